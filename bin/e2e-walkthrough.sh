#!/usr/bin/env bash
# End-to-end check of the README walkthrough with the real bin/raftkv and redis-cli:
# three peers on free loopback ports with temporary data dirs; SET on n1, GET on n2; stop n2
# (SIGTERM); overwrite on n1 with 2 of 3 peers; restart n2; n2's KEYS * and GET must show the
# new value (linearizable reads: the first successful reply must already be the new value);
# then redis-benchmark against n1. Prints "e2e walkthrough: OK" and exits 0, or names the
# failing step, shows the peers' log tails, keeps their temp dir and exits 1.
#
# Needs: java, redis-cli, redis-benchmark, python3 (or ss) and timeout.
# Environment: RAFTKV_NO_BUILD=1  use target/raft-kv.jar as it is (what the IT test does)
#              JAVA_OPTS           JVM options of the peers (default: -Xms64m -Xmx512m -XX:+UseG1GC)
#              E2E_KEEP=1          keep the temp dir even on success
set -euo pipefail

src="${BASH_SOURCE[0]}"
while [[ -L "$src" ]]; do
  dir="$(cd -P "$(dirname "$src")" && pwd)"
  src="$(readlink "$src")"
  [[ "$src" == /* ]] || src="$dir/$src"
done
ROOT="$(cd -P "$(dirname "$src")/.." && pwd)"

START_TIMEOUT=60     # s, per peer, until it answers PING
STOP_TIMEOUT=30      # s, for a peer to exit after SIGTERM
CATCHUP_TIMEOUT=30   # s, for a retried command to succeed
CMD_TIMEOUT=20       # s, for one redis-cli call (the server's request deadline is 10 s)
BENCH_TIMEOUT=180    # s, for redis-benchmark

export JAVA_OPTS="${JAVA_OPTS:--Xms64m -Xmx512m -XX:+UseG1GC}"

say() { echo "e2e: $*"; }

for tool in java redis-cli redis-benchmark timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "e2e walkthrough: FAILED: '$tool' not found on PATH" >&2; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/raftkv-e2e.XXXXXX")"
ids=(n1 n2 n3)
declare -A pid=() port=()
ok=0

# Stops exactly the peers this script started (SIGTERM, then SIGKILL after STOP_TIMEOUT).
stop_peers() {
  local id p live
  for id in "${ids[@]}"; do
    p="${pid[$id]:-}"
    if [[ -n "$p" ]]; then kill -TERM "$p" 2>/dev/null || true; fi
  done
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    live=0
    for id in "${ids[@]}"; do
      p="${pid[$id]:-}"
      [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null && live=1
    done
    [[ $live -eq 0 ]] && break
    sleep 0.1
  done
  for id in "${ids[@]}"; do
    p="${pid[$id]:-}"
    if [[ -n "$p" ]]; then
      kill -KILL "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
}

on_exit() {
  stop_peers
  if [[ $ok -eq 1 && "${E2E_KEEP:-}" != 1 ]]; then
    rm -rf "$tmp"
  else
    echo "e2e: peers' logs and data kept in $tmp" >&2
  fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "e2e walkthrough: FAILED: $*" >&2
  local id
  for id in "${ids[@]}"; do
    if [[ -f "$tmp/$id.log" ]]; then
      echo "----- last lines of $id's log ($tmp/$id.log) -----" >&2
      tail -n 30 "$tmp/$id.log" >&2
    fi
  done
  exit 1
}

# Six free loopback ports, chosen by the OS.
free_ports() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import socket
socks = []
for _ in range(6):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
'
  else
    # No python3: random ports below the usual ephemeral range that nothing listens on.
    local used picked=() p
    used="$(ss -Htln | awk '{ n = split($4, a, ":"); print a[n] }')"
    while [[ ${#picked[@]} -lt 6 ]]; do
      p=$((20000 + RANDOM % 12000))
      grep -qx "$p" <<<"$used" && continue
      [[ " ${picked[*]} " == *" $p "* ]] && continue
      picked+=("$p")
    done
    echo "${picked[*]}"
  fi
}

read -r -a ports <<<"$(free_ports)"
[[ ${#ports[@]} -eq 6 ]] || fail "could not pick 6 free ports"
peers="$tmp/peers.conf"
{
  echo "# e2e walkthrough peers (temporary)"
  for i in 0 1 2; do
    id="${ids[$i]}"
    port[$id]="${ports[$((i + 3))]}"
    echo "$id 127.0.0.1:${ports[$i]} 127.0.0.1:${port[$id]}"
  done
} >"$peers"

# redis-cli against one peer, bounded in time; human-readable replies: "hello" (nil) (error) ...
rcli() {
  local p="$1"
  shift
  timeout "$CMD_TIMEOUT" redis-cli -h 127.0.0.1 -p "$p" --no-raw "$@" 2>&1 || true
}

# True if a redis-cli reply is one a client may retry: no leader (CLUSTERDOWN), outcome unknown
# (TIMEOUT; only used for idempotent commands here), or no answer at all.
retryable() {
  case "$1" in
    "(error) CLUSTERDOWN"* | "(error) TIMEOUT"* | "" | "Could not connect"* | "Error:"*) return 0 ;;
    *) return 1 ;;
  esac
}

# expect ID WANT CMD...: retries CMD on ID while the reply is retryable (up to CATCHUP_TIMEOUT);
# the first other reply must be exactly WANT.
expect() {
  local id="$1" want="$2" got deadline
  shift 2
  deadline=$((SECONDS + CATCHUP_TIMEOUT))
  while :; do
    got="$(rcli "${port[$id]}" "$@")"
    retryable "$got" || break
    [[ $SECONDS -lt $deadline ]] || fail "$id: '$*' kept failing for ${CATCHUP_TIMEOUT}s, last reply: $got"
    sleep 0.5
  done
  [[ "$got" == "$want" ]] || fail "$id: '$*' replied <$got>, expected <$want>"
  say "$id: $* -> $got"
}

start_peer() {
  local id="$1"
  RAFTKV_NO_BUILD=1 "$ROOT/bin/raftkv" server --id "$id" --peers "$peers" --data-dir "$tmp/$id" \
    >>"$tmp/$id.log" 2>&1 </dev/null &
  pid[$id]=$!
  say "started $id (pid ${pid[$id]}, redis port ${port[$id]})"
}

wait_ping() {
  local id="$1" deadline=$((SECONDS + START_TIMEOUT))
  until [[ "$(rcli "${port[$id]}" PING)" == PONG ]]; do
    kill -0 "${pid[$id]}" 2>/dev/null || fail "$id exited during start-up"
    [[ $SECONDS -lt $deadline ]] || fail "$id did not answer PING within ${START_TIMEOUT}s"
    sleep 0.5
  done
  say "$id answers PING"
}

stop_peer() {
  local id="$1" p="${pid[$1]}" status=0
  kill -TERM "$p"
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$p" 2>/dev/null && fail "$id (pid $p) did not exit within ${STOP_TIMEOUT}s of SIGTERM"
  wait "$p" || status=$?
  pid[$id]=""
  say "stopped $id (SIGTERM, exit status $status)"
}

# --- the walkthrough -------------------------------------------------------------------------
say "project $ROOT, temp dir $tmp"
"$ROOT/bin/build-jar.sh" || fail "could not build target/raft-kv.jar"

for id in "${ids[@]}"; do start_peer "$id"; done
for id in "${ids[@]}"; do wait_ping "$id"; done

expect n1 OK SET my-key hello
expect n2 '"hello"' GET my-key
expect n3 '"hello"' GET my-key

stop_peer n2
expect n1 OK SET my-key world       # 2 of 3 peers are up

start_peer n2
wait_ping n2
expect n2 '1) "my-key"' KEYS '*'
expect n2 '"world"' GET my-key
expect n3 '"world"' GET my-key

say "redis-benchmark -p ${port[n1]} -t set,get -n 20000 -q"
bench_status=0
bench="$(timeout "$BENCH_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "${port[n1]}" -t set,get -n 20000 -q 2>&1)" ||
  bench_status=$?
# Keep the final result lines (the progress lines are separated by carriage returns).
bench_summary="$(tr '\r' '\n' <<<"$bench" | grep -E 'requests per second' || true)"
echo "$bench_summary"
[[ $bench_status -eq 0 ]] || fail "redis-benchmark exited with status $bench_status: $(tr '\r' '\n' <<<"$bench" | tail -n 5)"
if grep -qE 'WARNING|ERR|[Ee]rror' <<<"$bench"; then
  fail "redis-benchmark reported a problem: $(tr '\r' '\n' <<<"$bench" | grep -E 'WARNING|ERR|[Ee]rror' | head -n 5)"
fi
if ! grep -q '^SET:' <<<"$bench_summary" || ! grep -q '^GET:' <<<"$bench_summary"; then
  fail "redis-benchmark did not report both SET and GET results"
fi

ok=1
echo "e2e walkthrough: OK"
