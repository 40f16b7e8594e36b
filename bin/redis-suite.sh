#!/usr/bin/env bash
# Runs units of Redis's own Tcl test suite (external mode) against a follower of a fresh 3-peer
# raft-kv cluster, or against a fresh redis-server for the baseline; docs/verification.md,
# "Redis's own test suite", has the results and how to read them.
#
# usage: SUITE=DIR bin/redis-suite.sh OUTDIR unit/multi unit/type/list ...
#   SUITE   a checkout of Redis 7.0.15's sources (its tests/ and runtest are used), e.g.
#           git --git-dir=<redis mirror> archive 7.0.15 tests | tar -x -C DIR; tests/support/server.tcl
#           must say `catch {r function flush}` (raft-kv has no functions)
#   TARGET  follower (default), leader, or redis (redis-server on PATH, one fresh server per unit)
#   STORE   rocksdb (default) or memory
#   UNIT_TIMEOUT  seconds a whole unit may take (default 900); each test has 120 s
# Writes OUTDIR/<unit>.log per unit and prints one line per unit: the suite's [ok], [err],
# [exception] and [ignore] counts. Needs tclsh (apt-get install tcl) and redis-cli.
set -uo pipefail
ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${SUITE:?set SUITE to a Redis 7.0.15 source tree (its tests/ directory is used)}"
out=$1; shift; mkdir -p "$out"
source "$ROOT/bin/lib/processes.sh"
[[ "${TARGET:-follower}" == redis ]] || "$ROOT/bin/build-jar.sh"

# start_target: starts what the suite talks to; sets $port and adds the PIDs to pids
start_target() {
  tmp=$(mktemp -d /tmp/redis-suite.XXXX)
  read -r r1 r2 r3 p1 p2 p3 rp <<<"$(free_ports 7)"
  if [[ "${TARGET:-follower}" == redis ]]; then
    redis-server --port "$rp" --bind 127.0.0.1 --save "" --appendonly no --enable-debug-command yes \
      --dir "$tmp" > "$tmp/redis.log" 2>&1 &
    pids+=($!); port=$rp
    for _ in $(seq 1 100); do [[ "$(redis-cli -p "$port" PING 2>/dev/null)" == PONG ]] && return; sleep 0.1; done
    return
  fi
  printf "n1 127.0.0.1:$r1 127.0.0.1:$p1\nn2 127.0.0.1:$r2 127.0.0.1:$p2\nn3 127.0.0.1:$r3 127.0.0.1:$p3\n" > "$tmp/peers.conf"
  for i in 1 2 3; do
    RAFTKV_NO_BUILD=1 "$ROOT/bin/raftkv" server --id n$i --peers "$tmp/peers.conf" --data-dir "$tmp/n$i" \
      --store "${STORE:-rocksdb}" > "$tmp/n$i.log" 2>&1 &
    pids+=($!)
  done
  for p in $p1 $p2 $p3; do for _ in $(seq 1 300); do [[ "$(redis-cli -p $p PING 2>/dev/null)" == PONG ]] && break; sleep 0.2; done; done
  for _ in $(seq 1 100); do [[ "$(redis-cli -p $p1 SET warm 1 2>/dev/null)" == OK ]] && break; sleep 0.3; done
  redis-cli -p $p1 DEL warm > /dev/null
  port=""
  for p in $p1 $p2 $p3; do
    role=$(redis-cli -p $p INFO raft | tr -d '\r' | sed -n 's/raft_role://p')
    [[ -z "$port" && $role == "${TARGET:-follower}" ]] && port=$p
  done
}

[[ "${TARGET:-follower}" == redis ]] || start_target
for u in "$@"; do
  [[ "${TARGET:-follower}" == redis ]] && { cleanup; rm -rf "${tmp:-}"; start_target; }
  f=$out/$(echo "$u" | tr / _).log
  t0=$(date +%s)
  (cd "$SUITE" && timeout "${UNIT_TIMEOUT:-900}" tclsh tests/test_helper.tcl --host 127.0.0.1 --port "$port" \
    --single "$u" --timeout 120 --clients 1 --singledb --durable --baseport "${BASEPORT:-21079}" > "$f" 2>&1)
  c=$(sed 's/\x1b\[[0-9;]*m//g' "$f")
  echo "$u ok=$(grep -c '^\[ok\]' <<<"$c") err=$(grep -c '^\[err\]' <<<"$c")" \
    "exception=$(grep -c '^\[exception\]' <<<"$c") ignore=$(grep -c '^\[ignore\]' <<<"$c") secs=$(( $(date +%s) - t0 ))"
  redis-cli -p "$port" FLUSHALL > /dev/null 2>&1
done
