#!/usr/bin/env bash
# Benchmark raft-kv against a durable redis-server on this machine, in one run.
#
# Starts redis-server --appendonly yes --appendfsync always and a 3-peer (PEERS) raft-kv cluster (RocksDB,
# then memory) on free loopback ports, warms the JVMs up, runs the redis-benchmark cases below
# against the leader's and a follower's port, and prints one table: req/s, p50, p99 (ms), the
# ratio to redis-server, the servers' CPU time per request (all peers together, or redis-server;
# in microseconds, from /proc/PID/stat) and how busy the whole machine was. Every run is bounded (-n requests, a timeout per case); every process it
# starts is stopped by PID on exit.
#
#   bin/bench.sh                 # all cases, both stores, 100000 requests per case
#   BENCH_N=20000 STORES=rocksdb bin/bench.sh    # a short run
#
# Environment: BENCH_N (requests per case, default 100000), BENCH_C (clients, default 50),
#              STORES ("rocksdb memory"), WARMUP_N (default 200000), JAVA_OPTS for the peers,
#              PEERS (cluster size, default 3),
#              RAFTKV_ARGS extra server arguments (e.g. "-D raftkv.write.max-inflight=4"),
#              CASES (a regex of case names to run, e.g. "^SET 3B$").
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${BENCH_N:-100000}"
C="${BENCH_C:-50}"
PEERS="${PEERS:-3}"
[[ "$PEERS" =~ ^[0-9]+$ && "$PEERS" -ge 3 ]] || { echo "bench: PEERS must be 3 or more, not '$PEERS'" >&2; exit 1; }
STORES="${STORES:-rocksdb memory}"
WARMUP_N="${WARMUP_N:-200000}"
CASE_TIMEOUT=300
export JAVA_OPTS="${JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC}"

for tool in java redis-server redis-benchmark redis-cli python3 timeout getconf; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' not found" >&2; exit 1; }
done
"$ROOT/bin/build-jar.sh"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/raftkv-bench.XXXXXX")"
# shellcheck source=bin/lib/processes.sh
source "$ROOT/bin/lib/processes.sh" # pids, cleanup (EXIT trap), free_ports

wait_ping() {
  for _ in $(seq 1 600); do
    [[ "$(redis-cli -p "$1" PING 2>/dev/null)" == PONG ]] && return 0
    sleep 0.1
  done
  echo "bench: nothing answers on port $1" >&2
  exit 1
}

# CPU clock ticks (user + system) used so far by the servers under test (the PIDs in "pids").
server_ticks() {
  local p t=0
  for p in "${pids[@]}"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}
# "busy total" clock ticks of the whole machine (every core), from /proc/stat.
machine_ticks() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat; }

# Prints "rps p50 p99 cpu busy" and the counts of bin/lib/counts.py for one redis-benchmark case:
# cpu is the servers' CPU time per request in microseconds (every peer, or redis-server), busy the
# share of the machine in use. "counted" holds PID[:METRICS_PORT] of each server under test.
counted=()
run_case() {
  local port="$1"
  shift
  local out s0 s1 m0 m1 requests counts
  requests="$(sed -E 's/.*-n ([0-9]+).*/\1/' <<<"$*")"
  python3 "$ROOT/bin/lib/counts.py" snap "$tmp/counts0.json" "${counted[@]}"
  s0="$(server_ticks)"; m0="$(machine_ticks)"
  out="$(timeout "$CASE_TIMEOUT" redis-benchmark -p "$port" -c "$C" --csv "$@" 2>&1)" || {
    echo "bench: redis-benchmark $* failed: $out" >&2
    echo "0 0 0 - - - - - - - - - - - -"
    return
  }
  s1="$(server_ticks)"; m1="$(machine_ticks)"
  python3 "$ROOT/bin/lib/counts.py" snap "$tmp/counts1.json" "${counted[@]}"
  counts="$(python3 "$ROOT/bin/lib/counts.py" diff "$tmp/counts0.json" "$tmp/counts1.json" "$requests")"
  if grep -qiE 'error|warning' <<<"$out"; then
    echo "bench: redis-benchmark $* reported: $out" >&2
  fi
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  echo "$(awk -F'"' 'NR == 2 { print $4, $10, $14 }' <<<"$out")" "$(python3 -c '
import sys
s0, s1, requests, hz, b0, t0, b1, t1 = map(int, sys.argv[1:9])
print(f"{(s1 - s0) * 1e6 / hz / requests:.0f} {100 * (b1 - b0) / max(1, t1 - t0):.0f}")
' "$s0" "$s1" "$requests" "$(getconf CLK_TCK)" $m0 $m1)" "$counts"
}

cases=(
  "SET 3B|-t set -d 3 -n $N -r 100000"
  "GET 3B|-t get -d 3 -n $N -r 100000"
  "SET 4KB|-t set -d 4096 -n $((N / 2)) -r 100000"
  "SET 3B -P 16|-t set -d 3 -n $((N * 3)) -r 100000 -P 16"
)

if [[ -n "${CASES:-}" ]]; then
  selected=()
  for c in "${cases[@]}"; do
    if [[ "${c%%|*}" =~ $CASES ]]; then selected+=("$c"); fi
  done
  cases=("${selected[@]}")
fi
declare -A result=()
peer_java=""
# redis-server, durable
read -r rport <<<"$(free_ports 1)"
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always \
  --dir "$tmp" --daemonize no >"$tmp/redis.log" 2>&1 &
pids+=($!)
counted=("$!")
wait_ping "$rport"
for c in "${cases[@]}"; do
  name="${c%%|*}"
  # shellcheck disable=SC2086
  result["redis|$name"]="$(run_case "$rport" ${c#*|})"
done
cleanup

for store in $STORES; do
  # ports[0..PEERS-1]: Raft; ports[PEERS..2*PEERS-1]: Redis
  read -r -a ports <<<"$(free_ports $((3 * PEERS)))" # Raft, Redis, metrics
  counted=()
  peers="$tmp/peers-$store.conf"
  for ((i = 1; i <= PEERS; i++)); do
    echo "n$i 127.0.0.1:${ports[$((i - 1))]} 127.0.0.1:${ports[$((i + PEERS - 1))]}"
  done >"$peers"
  for ((i = 1; i <= PEERS; i++)); do
    RAFTKV_NO_BUILD=1 "$ROOT/bin/raftkv" server --id "n$i" --peers "$peers" --store "$store" \
      --data-dir "$tmp/$store/n$i" -D raftkv.metrics.port="${ports[$((i + 2 * PEERS - 1))]}" \
      ${RAFTKV_ARGS:-} >"$tmp/$store-n$i.log" 2>&1 &
    pids+=($!)
    counted+=("$!:${ports[$((i + 2 * PEERS - 1))]}")
  done
  for ((i = PEERS; i < 2 * PEERS; i++)); do wait_ping "${ports[$i]}"; done
  leader=""
  for _ in $(seq 1 300); do
    leader="$(redis-cli -p "${ports[$PEERS]}" INFO raft | tr -d '\r' | awk -F: '$1 == "raft_leader_id" { print $2 }')"
    [[ -n "$leader" ]] && break
    sleep 0.1
  done
  [[ -n "$leader" ]] || { echo "bench: no leader for $store" >&2; exit 1; }
  lport="${ports[$((${leader#n} + PEERS - 1))]}"
  fport="${ports[$PEERS]}"; [[ "$fport" == "$lport" ]] && fport="${ports[$((PEERS + 1))]}"
  echo "bench: $store cluster up, leader $leader (port $lport), follower port $fport; warming up" >&2
  timeout "$CASE_TIMEOUT" redis-benchmark -p "$lport" -c "$C" -t set,get -n "$WARMUP_N" -r 100000 -q >/dev/null 2>&1 || true
  timeout "$CASE_TIMEOUT" redis-benchmark -p "$fport" -c "$C" -t set,get -n "$((WARMUP_N / 2))" -r 100000 -q >/dev/null 2>&1 || true
  # The JVMs go on compiling for a while after that (on 2 cores the JIT's queue drains slowly): warm up
  # further, up to 4 rounds, until the compiler threads use under 3% of the peers' CPU, so that the cases
  # measure the steady state (the tables' "jit us" column shows what is left).
  for round in 1 2 3 4; do
    python3 "$ROOT/bin/lib/counts.py" snap "$tmp/warm0.json" "${counted[@]}"
    timeout "$CASE_TIMEOUT" redis-benchmark -p "$lport" -c "$C" -t set,get -n "$((WARMUP_N / 2))" -r 100000 -q >/dev/null 2>&1 || true
    python3 "$ROOT/bin/lib/counts.py" snap "$tmp/warm1.json" "${counted[@]}"
    share="$(python3 "$ROOT/bin/lib/counts.py" jit "$tmp/warm0.json" "$tmp/warm1.json")"
    echo "bench: $store warm-up round $round: the JIT used $share% of the peers' CPU" >&2
    [[ "$share" -lt 3 ]] && break
  done
  for c in "${cases[@]}"; do
    name="${c%%|*}"
    # shellcheck disable=SC2086
    result["$store leader|$name"]="$(run_case "$lport" ${c#*|})"
  done
  for c in "${cases[@]}"; do
    [[ "${c%%|*}" == "SET 3B" || "${c%%|*}" == "GET 3B" ]] || continue
    name="${c%%|*}"
    # shellcheck disable=SC2086
    result["$store follower|$name"]="$(run_case "$fport" ${c#*|})"
  done
  rss=0
  for p in "${pids[@]}"; do
    r="$(awk '/VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)"
    rss=$((rss + ${r:-0}))
  done
  echo "bench: $store peers' resident memory after the run: $((rss / 1024)) MB in all" >&2
  peer_java="$(grep -o 'Java [^ ]*$' "$tmp/$store-n1.log" | head -1 || true)"
  cleanup
done

echo
echo "raft-kv benchmark: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), peers on ${peer_java:-Java ?} (bin/raftkv picks the newest JDK; RAFTKV_JAVA or JAVA_HOME choose one)"
echo "$PEERS peers; redis-benchmark -c $C, -n $N (4KB: $((N / 2)), -P 16: $((N * 3))), random keys (-r 100000); redis-server --appendonly yes --appendfsync always"
printf '%-18s %-14s %12s %9s %9s %8s %11s %7s\n' "target" "case" "req/s" "p50 ms" "p99 ms" "ratio" "cpu us/req" "busy %"
targets=(redis)
for store in $STORES; do targets+=("$store leader" "$store follower"); done
for t in "${targets[@]}"; do
  for c in "${cases[@]}"; do
    name="${c%%|*}"
    r="${result["$t|$name"]:-}"
    [[ -n "$r" ]] || continue
    read -r rps p50 p99 cpu busy _ <<<"$r"
    read -r base _ <<<"${result["redis|$name"]}"
    ratio="$(python3 -c "print(f'{float($rps)/float($base):.2f}' if float($base) > 0 else '-')")"
    printf '%-18s %-14s %12s %9s %9s %8s %11s %7s\n' "$t" "$name" "$rps" "$p50" "$p99" "$ratio" "$cpu" "$busy"
  done
done
echo
echo "Counts per case (bin/lib/counts.py): CPU per request of the leader and of one follower (mean), commands"
echo "per data entry, context switches per request (all servers), and per data entry: log indices, fsyncs"
echo "(all peers), AppendEntries with entries and heartbeats (sent by the leader to all followers); jit us: the"
echo "CPU per request of the servers' JIT compiler threads (included in cpu us/req; falls as the JVMs warm up)"
printf '%-18s %-14s %9s %9s %9s %8s %9s %9s %8s %8s %9s %7s\n' "target" "case" "lead us" "foll us" "cmd/ent" "cs/req" \
  "idx/ent" "fsync/ent" "AE/ent" "hb/ent" "entries" "jit us"
for t in "${targets[@]}"; do
  for c in "${cases[@]}"; do
    name="${c%%|*}"
    r="${result["$t|$name"]:-}"
    [[ -n "$r" ]] || continue
    read -r _ _ _ _ _ lead foll cpe cs idx fs ae hb ent jit <<<"$r"
    printf '%-18s %-14s %9s %9s %9s %8s %9s %9s %8s %8s %9s %7s\n' "$t" "$name" "$lead" "$foll" "$cpe" "$cs" "$idx" "$fs" \
      "$ae" "$hb" "$ent" "${jit:--}"
  done
done
