#!/usr/bin/env bash
# Snapshots at scale: loads KEYS keys (default 1,000,000) with VALUE-byte values (default 100)
# into a fresh 3-peer RocksDB cluster on free loopback ports, then measures
#   1. the snapshot time (bin/raftkv admin snapshot on the leader, and the peer's own log line),
#   2. the write stall during a snapshot (max latency of a concurrent single-connection writer,
#      compared with the same writer without a snapshot),
#   3. a wiped follower's catch-up by snapshot install (start to all keys readable there),
#   4. a peer's restart time (process start to answering a linearizable GET), after SIGTERM and
#      after kill -9,
#   5. disk used per peer (Raft log, snapshots, live RocksDB).
# and prints a summary. Every wait is bounded; every process it starts is stopped at exit by PID.
#
#   bin/snapshot-scale.sh                 # 1M keys x 100 bytes
#   KEYS=200000 bin/snapshot-scale.sh     # a quicker run
#
# Needs java, redis-cli, redis-benchmark, python3, timeout.
# Environment: KEYS, VALUE, JAVA_OPTS (default -Xms256m -Xmx1g -XX:+UseG1GC),
#              SERVER_FLAGS (default -D raftkv.client.max-pending=1000, see below),
#              SCALE_KEEP=1 keep the temp dir, RAFTKV_NO_BUILD=1 use target/raft-kv.jar as is.
set -euo pipefail

src="${BASH_SOURCE[0]}"
while [[ -L "$src" ]]; do
  dir="$(cd -P "$(dirname "$src")" && pwd)"
  src="$(readlink "$src")"
  [[ "$src" == /* ]] || src="$dir/$src"
done
ROOT="$(cd -P "$(dirname "$src")/.." && pwd)"

KEYS="${KEYS:-1000000}"
VALUE="${VALUE:-100}"
START_TIMEOUT=180    # s, until a peer answers
LOAD_TIMEOUT=1800    # s, for loading the keys
CATCHUP_TIMEOUT=600  # s, for a wiped peer to have every key
STOP_TIMEOUT=60      # s, for a peer to exit after SIGTERM
JAVA_OPTS="${JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseG1GC}"
read -r -a java_opts <<<"$JAVA_OPTS"
# redis-cli --pipe keeps up to raftkv.client.max-pending (default 10000) commands queued on its one
# connection; under a full pipe on 2 cores the last of them can wait past the 10 s request
# deadline and get TIMEOUT. A shorter queue per client keeps every command's wait short.
read -r -a server_flags <<<"${SERVER_FLAGS:--D raftkv.client.max-pending=1000}"

for tool in java redis-cli redis-benchmark python3 timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "snapshot-scale: '$tool' not found on PATH" >&2; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/raftkv-scale.XXXXXX")"
ids=(n1 n2 n3)
declare -A pid=() port=()
results=()
ok=0

say() { echo "scale: $*"; }
result() { results+=("$1"); say "RESULT $1"; }
now_ms() { date +%s%3N; }

stop_all() {
  local id p
  for id in "${ids[@]}"; do
    p="${pid[$id]:-}"
    if [[ -n "$p" ]]; then kill -TERM "$p" 2>/dev/null || true; fi
  done
  for id in "${ids[@]}"; do
    p="${pid[$id]:-}"
    if [[ -n "$p" ]]; then
      for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
}
on_exit() {
  stop_all
  if [[ $ok -eq 1 && "${SCALE_KEEP:-}" != 1 ]]; then rm -rf "$tmp"; else echo "scale: logs and data kept in $tmp" >&2; fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "snapshot-scale: FAILED: $*" >&2
  for id in "${ids[@]}"; do
    [[ -f "$tmp/$id.log" ]] && { echo "----- $id ($tmp/$id.log) -----" >&2; tail -n 20 "$tmp/$id.log" >&2; }
  done
  exit 1
}

"$ROOT/bin/build-jar.sh" || fail "could not build target/raft-kv.jar"
cp "$ROOT/target/raft-kv.jar" "$tmp/raft-kv.jar" # the run is immune to rebuilds meanwhile

read -r -a ports <<<"$(python3 -c '
import socket
s = [socket.socket() for _ in range(6)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')"
peers="$tmp/peers.conf"
for i in 0 1 2; do
  id="${ids[$i]}"
  port[$id]="${ports[$((i + 3))]}"
  echo "$id 127.0.0.1:${ports[$i]} 127.0.0.1:${port[$id]}"
done >"$peers"

rcli() { local p="$1"; shift; timeout 60 redis-cli -h 127.0.0.1 -p "$p" "$@" 2>&1 || true; }
admin() { timeout 300 java -jar "$tmp/raft-kv.jar" admin --peers "$peers" --timeout 120000 "$@"; }
info_field() { rcli "$1" INFO raft | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }

start_peer() {
  local id="$1"
  java "${java_opts[@]}" -jar "$tmp/raft-kv.jar" server --id "$id" --peers "$peers" \
    --data-dir "$tmp/$id" "${server_flags[@]}" >>"$tmp/$id.log" 2>&1 </dev/null &
  pid[$id]=$!
}
# wait_get ID KEY WANT [SECONDS]: until a (linearizable) GET of KEY on ID answers WANT; prints
# elapsed ms
wait_get() {
  local id="$1" key="$2" want="$3" limit="${4:-$START_TIMEOUT}" t0 deadline
  t0=$(now_ms); deadline=$((SECONDS + limit))
  until [[ "$(rcli "${port[$id]}" GET "$key")" == "$want" ]]; do
    kill -0 "${pid[$id]}" 2>/dev/null || fail "$id exited"
    [[ $SECONDS -lt $deadline ]] || fail "$id: GET $key did not answer '$want' within ${limit}s"
    sleep 0.05
  done
  echo $(($(now_ms) - t0))
}
stop_peer() { # stop_peer ID TERM|KILL
  local id="$1" p="${pid[$1]}"
  kill -"$2" "$p"
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && fail "$id did not exit after SIG$2"
  wait "$p" 2>/dev/null || true
  pid[$id]=""
}
leader() {
  local id
  for id in "${ids[@]}"; do
    [[ -n "${pid[$id]}" && "$(info_field "${port[$id]}" raft_role)" == leader ]] && { echo "$id"; return; }
  done
}
# writer_max_latency SECONDS: one connection writing 100-byte SETs for about SECONDS; prints
# "requests p50 p99 max" (ms) from redis-benchmark's CSV
writer() {
  local p="$1" n="$2"
  timeout 300 redis-benchmark -h 127.0.0.1 -p "$p" -t set -n "$n" -c 1 -r 100000 -d "$VALUE" --csv 2>/dev/null \
    | tr -d '"' | awk -F, '$1 == "SET" { printf "%s req/s, p50 %s ms, p99 %s ms, max %s ms", $2, $5, $7, $8 }'
}
disk() { du -sm "$tmp/$1" | cut -f1; }
disk_detail() {
  local d="$tmp/$1" log snap db
  log=$(du -sm "$d"/raft/*/current 2>/dev/null | cut -f1 | head -1)
  snap=$(du -sm "$d"/raft/*/sm 2>/dev/null | cut -f1 | head -1)
  db=$(du -sm "$d/db" 2>/dev/null | cut -f1)
  echo "$1: $(disk "$1") MB total (Raft log ${log:-0} MB, snapshots ${snap:-0} MB, live RocksDB ${db:-0} MB)"
}

say "temp dir $tmp; $KEYS keys x $VALUE bytes; JAVA_OPTS=$JAVA_OPTS; server flags ${server_flags[*]}"
for id in "${ids[@]}"; do start_peer "$id"; done
for id in "${ids[@]}"; do wait_get "$id" nosuchkey "" >/dev/null; done
say "cluster up; leader $(leader)"

# --- load ------------------------------------------------------------------------------------
t0=$(now_ms)
python3 "$ROOT/bin/lib/load-keys.py" "$KEYS" "$VALUE" \
  | timeout "$LOAD_TIMEOUT" redis-cli -h 127.0.0.1 -p "${port[n1]}" --pipe >"$tmp/load.out" 2>&1 \
  || fail "loading failed: $(tail -3 "$tmp/load.out")"
load_ms=$(($(now_ms) - t0))
grep -q "errors: 0" "$tmp/load.out" || fail "loading had errors: $(tail -2 "$tmp/load.out")"
result "load: $KEYS keys in $((load_ms / 1000)) s ($((KEYS * 1000 / (load_ms + 1))) SET/s through redis-cli --pipe on n1)"
for id in "${ids[@]}"; do
  [[ "$(rcli "${port[$id]}" DBSIZE)" == "$KEYS" ]] || fail "$id: DBSIZE $(rcli "${port[$id]}" DBSIZE), expected $KEYS"
done
result "every peer has DBSIZE $KEYS"
for id in "${ids[@]}"; do result "disk after load: $(disk_detail "$id")"; done

# --- snapshot time and write stall -----------------------------------------------------------
L=$(leader)
base="$(writer "${port[$L]}" 10000)"
result "writer without snapshot (1 connection, on leader $L): $base"
writer "${port[$L]}" 10000 >"$tmp/writer.out" &
wpid=$!
sleep 3
t0=$(now_ms)
admin snapshot >"$tmp/snapshot.out" 2>&1 || fail "admin snapshot: $(cat "$tmp/snapshot.out")"
snap_ms=$(($(now_ms) - t0))
wait "$wpid" || true
result "admin snapshot on leader $L: $snap_ms ms wall (JVM start included): $(tail -1 "$tmp/snapshot.out")"
result "peer's own measure: $(grep -h 'snapshot at index' "$tmp/$L.log" | tail -1 | sed 's/.* - //')"
result "writer during the snapshot: $(cat "$tmp/writer.out")"
for id in "${ids[@]}"; do result "disk after snapshot: $(disk_detail "$id")"; done

# --- wiped follower catches up by snapshot install ------------------------------------------
F=""
for id in "${ids[@]}"; do [[ "$id" != "$(leader)" ]] && { F="$id"; break; }; done
stop_peer "$F" TERM
rm -rf "${tmp:?}/$F"
# more writes, then a snapshot taken after them: the wiped peer cannot be sent the log from 1
rcli "${port[$(leader)]}" SET after-wipe yes >/dev/null
admin snapshot >>"$tmp/snapshot.out" 2>&1 || fail "second admin snapshot: $(tail -1 "$tmp/snapshot.out")"
t0=$(now_ms)
start_peer "$F"
wait_get "$F" after-wipe yes "$CATCHUP_TIMEOUT" >/dev/null
install_ms=$(($(now_ms) - t0))
want="$(rcli "${port[$(leader)]}" DBSIZE)"
[[ "$(rcli "${port[$F]}" DBSIZE)" == "$want" ]] || fail "$F: DBSIZE after catch-up $(rcli "${port[$F]}" DBSIZE), leader $want"
how="by replaying the leader's log (nothing was purged yet)"
grep -q "reinitializing from an installed snapshot" "$tmp/$F.log" && how="by snapshot install"
grep -q "log stuck at index" "$tmp/$F.log" && how="$how, after the catch-up watchdog made the leader step down"
result "wiped follower $F: start to every key readable: $install_ms ms, $how"

# --- restart time ---------------------------------------------------------------------------
R=""
for id in "${ids[@]}"; do [[ "$id" != "$(leader)" && "$id" != "$F" ]] && { R="$id"; break; }; done
[[ -n "$R" ]] || R="$F"
for sig in TERM KILL; do
  rcli "${port[$(leader)]}" SET "restart-$sig" yes >/dev/null
  stop_peer "$R" "$sig"
  rcli "${port[$(leader)]}" SET "while-down-$sig" yes >/dev/null
  t0=$(now_ms)
  start_peer "$R"
  wait_get "$R" "while-down-$sig" yes >/dev/null
  result "restart of $R after SIG$sig: process start to a linearizable GET answered: $(($(now_ms) - t0)) ms"
done

for id in "${ids[@]}"; do result "disk at the end: $(disk_detail "$id")"; done
echo
echo "=== snapshot-scale summary ($KEYS keys x $VALUE bytes, RocksDB, 3 peers, $(nproc) cores) ==="
printf '%s\n' "${results[@]}"
ok=1
