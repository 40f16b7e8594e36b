#!/usr/bin/env bash
# Where the CPU goes: a 3-peer cluster under a redis-benchmark load, profiled on every peer.
#
# Starts three peers (STORE, default rocksdb) from target/raft-kv.jar on free loopback ports, warms
# them up (WARMUP_N SETs at the leader), then attaches async-profiler (Maven Central's
# tools.profiler:async-profiler, fetched once into ~/.m2) to each peer with jcmd, runs
# `redis-benchmark -t set -d 3 -c 50 -n N -r 100000` against the leader (TARGET=follower: a
# follower), stops the profilers and prints each peer's CPU per request split by thread kind.
# The collapsed stacks (one line a stack, for flame graphs or grep) stay in OUTDIR.
#
#   bin/profile.sh OUTDIR                     # 200000 SETs at the leader, rocksdb
#   N=400000 STORE=memory TARGET=follower bin/profile.sh /tmp/prof
#
# Environment: N (default 200000), WARMUP_N (default 150000), STORE, TARGET (leader|follower),
#              EVENT (async-profiler event: cpu, the default, or itimer, alloc, wall),
#              RAFTKV_ARGS (extra server arguments). Every process it starts is stopped by PID on exit.
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: bin/profile.sh OUTDIR}"
N="${N:-200000}"
WARMUP_N="${WARMUP_N:-150000}"
STORE="${STORE:-rocksdb}"
TARGET="${TARGET:-leader}"
EVENT="${EVENT:-cpu}"
AP_VERSION=4.1
for tool in java redis-benchmark redis-cli python3 mvn; do
  command -v "$tool" >/dev/null || { echo "profile: '$tool' not found" >&2; exit 1; }
done
mkdir -p "$OUT"
"$ROOT/bin/build-jar.sh"

ap_jar="$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION-linux-x64.jar"
[[ -f "$ap_jar" ]] || mvn -B -q -ntp dependency:get -Dartifact="tools.profiler:async-profiler:$AP_VERSION:jar:linux-x64" >&2
tmp="$(mktemp -d "${TMPDIR:-/tmp}/raftkv-profile.XXXXXX")"
# shellcheck source=bin/lib/processes.sh
source "$ROOT/bin/lib/processes.sh" # pids, cleanup (EXIT trap), free_ports
(cd "$tmp" && unzip -q -o "$ap_jar" 'linux-x64/*')
lib="$tmp/linux-x64/libasyncProfiler.so"

export JAVA_OPTS="${JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC} -XX:+EnableDynamicAgentLoading"
read -r -a ports <<<"$(free_ports 6)" # Raft, Redis
for i in 1 2 3; do echo "n$i 127.0.0.1:${ports[$((i - 1))]} 127.0.0.1:${ports[$((i + 2))]}"; done >"$tmp/peers.conf"
for i in 1 2 3; do
  # shellcheck disable=SC2086
  RAFTKV_NO_BUILD=1 "$ROOT/bin/raftkv" server --id "n$i" --peers "$tmp/peers.conf" --store "$STORE" \
    --data-dir "$tmp/n$i" ${RAFTKV_ARGS:-} >"$OUT/n$i.log" 2>&1 &
  pids+=($!)
done
for i in 3 4 5; do
  for _ in $(seq 1 600); do [[ "$(redis-cli -p "${ports[$i]}" PING 2>/dev/null)" == PONG ]] && break; sleep 0.1; done
done
leader=""
for _ in $(seq 1 300); do
  leader="$(redis-cli -p "${ports[3]}" INFO raft | tr -d '\r' | awk -F: '$1 == "raft_leader_id" { print $2 }')"
  [[ -n "$leader" ]] && break
  sleep 0.1
done
[[ -n "$leader" ]] || { echo "profile: no leader" >&2; exit 1; }
lport="${ports[$((${leader#n} + 2))]}"
port="$lport"
if [[ "$TARGET" == follower ]]; then port="${ports[3]}"; [[ "$port" == "$lport" ]] && port="${ports[4]}"; fi
redis-benchmark -p "$lport" -c 50 -t set -d 3 -n "$WARMUP_N" -r 100000 -q >/dev/null 2>&1

# the JVM of each peer (bin/raftkv execs java, so the PID is the JVM's) and its JDK's jcmd
jcmd="$(dirname "$(readlink -f "/proc/${pids[0]}/exe")")/jcmd"
for i in 0 1 2; do
  # jcmd splits its arguments at '=': the agent's options go in as one quoted string
  "$jcmd" "${pids[$i]}" "JVMTI.agent_load $lib \"start,event=$EVENT,interval=1ms,threads\"" >/dev/null
done
redis-benchmark -p "$port" -c 50 -t set -d 3 -n "$N" -r 100000 -q 2>&1 | tr '\r' '\n' | grep -v '^$' | tail -1
for i in 0 1 2; do
  role=follower; [[ "n$((i + 1))" == "$leader" ]] && role=leader
  "$jcmd" "${pids[$i]}" "JVMTI.agent_load $lib \"stop,file=$OUT/n$((i + 1))-$role.collapsed,collapsed\"" >/dev/null
done
for f in "$OUT"/n*-*.collapsed; do
  python3 "$ROOT/bin/lib/profile_threads.py" "$f" "$N"
done
