#!/usr/bin/env bash
# Memory per key: for each store, starts a fresh 3-peer cluster (bin/raftkv, so the JDK the
# launcher picks) on free loopback ports, measures every peer's live heap (after a full GC,
# jcmd GC.run then INFO memory used_memory) and resident memory (VmRSS), loads KEYS distinct keys
# with VALUE-byte values through redis-cli --pipe, waits until every peer has them all, measures
# again and prints the growth per million keys. Bounded waits; every process it starts is stopped
# by PID at exit.
#
#   bin/memory-scale.sh                        # 1,000,000 keys x 100 bytes, both stores
#   KEYS=200000 STORES=memory bin/memory-scale.sh
#
# Needs java (a JDK: jcmd), redis-cli, python3, timeout.
# Environment: KEYS, VALUE, STORES ("memory rocksdb"), JAVA_OPTS (default -Xms1g -Xmx2g -XX:+UseG1GC).
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEYS="${KEYS:-1000000}"
VALUE="${VALUE:-100}"
STORES="${STORES:-memory rocksdb}"
export JAVA_OPTS="${JAVA_OPTS:--Xms1g -Xmx2g -XX:+UseG1GC}"
LOAD_TIMEOUT=900

for tool in redis-cli python3 timeout; do
  command -v "$tool" >/dev/null || { echo "memory-scale: '$tool' not found" >&2; exit 1; }
done
"$ROOT/bin/build-jar.sh"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/raftkv-mem.XXXXXX")"
# shellcheck source=bin/lib/processes.sh
source "$ROOT/bin/lib/processes.sh" # pids, cleanup (EXIT trap), free_ports

rcli() { timeout 60 redis-cli -h 127.0.0.1 -p "$@" 2>/dev/null | tr -d '\r'; }

# live heap bytes of the peer with PID $1 answering on port $2, after a full GC
heap() {
  local jcmd
  jcmd="$(dirname "$(readlink -f "/proc/$1/exe")")/jcmd"
  timeout 60 "$jcmd" "$1" GC.run >/dev/null
  rcli "$2" INFO memory | awk -F: '$1 == "used_memory" { print $2 }'
}
rss() { awk '/VmRSS/ { print $2 * 1024 }' "/proc/$1/status"; }

echo "memory-scale: $KEYS keys x $VALUE bytes; JAVA_OPTS=$JAVA_OPTS" >&2
for store in $STORES; do
  read -r -a ports <<<"$(free_ports 6)"
  peers="$tmp/peers-$store.conf"
  for i in 0 1 2; do echo "n$((i + 1)) 127.0.0.1:${ports[$i]} 127.0.0.1:${ports[$((i + 3))]}"; done >"$peers"
  for i in 1 2 3; do
    RAFTKV_NO_BUILD=1 "$ROOT/bin/raftkv" server --id "n$i" --peers "$peers" --store "$store" \
      --data-dir "$tmp/$store/n$i" -D raftkv.client.max-pending=1000 >"$tmp/$store-n$i.log" 2>&1 &
    pids+=($!)
  done
  for i in 3 4 5; do
    up=""
    for _ in $(seq 1 600); do [[ "$(rcli "${ports[$i]}" GET nosuchkey)" == "" ]] && \
      [[ "$(rcli "${ports[$i]}" PING)" == PONG ]] && up=1 && break; sleep 0.1; done
    [[ -n "$up" ]] || { echo "memory-scale: the $store peer on port ${ports[$i]} did not serve within 60 s;" \
      "the end of its log:" >&2; tail -5 "$tmp/$store-n$((i - 2)).log" >&2; exit 1; }
  done
  heap0=() rss0=()
  for i in 0 1 2; do heap0+=("$(heap "${pids[$i]}" "${ports[$((i + 3))]}")"); rss0+=("$(rss "${pids[$i]}")"); done

  python3 "$ROOT/bin/lib/load-keys.py" "$KEYS" "$VALUE" \
    | timeout "$LOAD_TIMEOUT" redis-cli -h 127.0.0.1 -p "${ports[3]}" --pipe >"$tmp/load.out" 2>&1
  grep -q "errors: 0" "$tmp/load.out" || { echo "memory-scale: loading failed: $(tail -2 "$tmp/load.out")" >&2; exit 1; }
  for i in 3 4 5; do
    for _ in $(seq 1 600); do [[ "$(rcli "${ports[$i]}" DBSIZE)" == "$KEYS" ]] && break; sleep 0.5; done
    [[ "$(rcli "${ports[$i]}" DBSIZE)" == "$KEYS" ]] || { echo "memory-scale: port ${ports[$i]} has $(rcli "${ports[$i]}" DBSIZE) keys" >&2; exit 1; }
  done
  for i in 0 1 2; do
    h1="$(heap "${pids[$i]}" "${ports[$((i + 3))]}")"; r1="$(rss "${pids[$i]}")"
    python3 -c "
import sys
s, k, h0, h1, r0, r1 = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:7])
m = 1e6 / k / 2**20
print(f'{s:8} n{sys.argv[7]}: live heap {h0 / 2**20:6.0f} -> {h1 / 2**20:6.0f} MB ({(h1 - h0) * m:5.0f} MB per million keys),'
      f' RSS {r0 / 2**20:6.0f} -> {r1 / 2**20:6.0f} MB ({(r1 - r0) * m:5.0f} MB per million keys)')
" "$store" "$KEYS" "${heap0[$i]}" "$h1" "${rss0[$i]}" "$r1" "$((i + 1))"
  done
  cleanup
done
