#!/usr/bin/env bash
# Starts every peer of conf/peers.conf (or PEERS=FILE) on this machine, in the foreground.
# Each output line is prefixed with the peer's id ("n1 | ..."). Ctrl-C or SIGTERM stops all
# peers this script started (SIGTERM to their PIDs, a second Ctrl-C sends SIGKILL), waits for
# them, then exits. Extra arguments are passed to every peer (e.g. --store memory).
set -euo pipefail

src="${BASH_SOURCE[0]}"
while [[ -L "$src" ]]; do
  dir="$(cd -P "$(dirname "$src")" && pwd)"
  src="$(readlink "$src")"
  [[ "$src" == /* ]] || src="$dir/$src"
done
ROOT="$(cd -P "$(dirname "$src")/.." && pwd)"

peers="${PEERS:-$ROOT/conf/peers.conf}"
[[ "$peers" == /* ]] || peers="$PWD/$peers"
if [[ ! -r "$peers" ]]; then
  echo "start-cluster: cannot read peers file $peers" >&2
  exit 1
fi

# First field of every line that is not blank or a comment.
mapfile -t ids < <(sed -e 's/#.*//' "$peers" | awk 'NF { print $1 }')
if [[ ${#ids[@]} -eq 0 ]]; then
  echo "start-cluster: no peers in $peers" >&2
  exit 1
fi

# Build once, before the peers start (each bin/raftkv would otherwise check on its own).
"$ROOT/bin/build-jar.sh"

pids=()       # the peers (java, after the scripts' execs)
prefixers=()  # the sed processes that prefix their output
stopping=0
fifos="$(mktemp -d "${TMPDIR:-/tmp}/raftkv-cluster.XXXXXX")"

# shellcheck disable=SC2317  # the trap handlers below are invoked indirectly
# First Ctrl-C/SIGTERM: SIGTERM to every peer. Another one: SIGKILL. The main loop below waits.
on_signal() {
  if [[ $stopping -eq 0 ]]; then
    stopping=1
    echo "start-cluster: stopping ${ids[*]} (pids ${pids[*]}); Ctrl-C again to kill" >&2
    kill -TERM "${pids[@]}" 2>/dev/null || true
  else
    echo "start-cluster: killing ${ids[*]} (SIGKILL)" >&2
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
}

# shellcheck disable=SC2317
# Reached on an unexpected error too: never leave peers behind.
on_exit() {
  if [[ ${#pids[@]} -gt 0 ]]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$fifos"
}

trap on_signal INT TERM
trap on_exit EXIT

for id in "${ids[@]}"; do
  prefix="$(printf '%s | ' "$id" | sed -e 's/[\/&]/\\&/g')"
  mkfifo "$fifos/$id"
  sed -u -e "s/^/$prefix/" <"$fifos/$id" &
  prefixers+=("$!")
  # $! is the peer's own PID: start-node.sh execs bin/raftkv, which execs java.
  PEERS="$peers" RAFTKV_NO_BUILD=1 "$ROOT/bin/start-node.sh" "$id" "$@" >"$fifos/$id" 2>&1 &
  pids+=("$!")
done
echo "start-cluster: started ${ids[*]} (pids ${pids[*]}); Ctrl-C stops them" >&2

# Wait for every peer. A trapped signal interrupts `wait` (status > 128 while the peer is still
# alive): wait for it again. A peer that exits on its own is reported; the others keep running.
for i in "${!pids[@]}"; do
  pid="${pids[$i]}"
  while :; do
    status=0
    wait "$pid" || status=$?
    if ((status <= 128)) || ! kill -0 "$pid" 2>/dev/null; then break; fi
  done
  [[ $stopping -eq 1 ]] || echo "start-cluster: ${ids[$i]} exited with status $status" >&2
done
pids=()
# Let the prefixers print the peers' last lines (they end when their peer's output closes).
wait "${prefixers[@]}" 2>/dev/null || true

if [[ $stopping -eq 1 ]]; then
  echo "start-cluster: all peers stopped" >&2
  exit 0
fi
echo "start-cluster: every peer has exited" >&2
exit 1
