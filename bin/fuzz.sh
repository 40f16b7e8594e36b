#!/usr/bin/env bash
# Long fuzz run of the RESP front end and the command table (the jqwik properties that
# `mvn test` runs briefly): repeats RespPipelineFuzzTest and CommandFuzzTest with many tries per
# property and a fresh random seed per round, until the time is up or a property fails.
#
#   bin/fuzz.sh                     # 10 minutes
#   bin/fuzz.sh --minutes 60 --tries 5000
#
# On a failure it stops and prints the falsified sample (jqwik shrinks it first); jqwik also
# remembers it under target/jqwik-database and tries it first on the next run. Add the input to
# the seed corpus (src/test/resources/fuzz/resp/) once it is fixed.
# Environment: MVN_FLAGS extra Maven flags (e.g. -o for offline), FUZZ_TESTS (default
# "RespPipelineFuzzTest,CommandFuzzTest").
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes=10
tries=2000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --tries) tries="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "fuzz: unknown argument '$1' (use --minutes N, --tries N)" >&2; exit 2 ;;
  esac
done
[[ "$minutes" =~ ^[0-9]+$ && "$tries" =~ ^[0-9]+$ ]] || { echo "fuzz: --minutes and --tries take whole numbers" >&2; exit 2; }

tests="${FUZZ_TESTS:-RespPipelineFuzzTest,CommandFuzzTest}"
log="$ROOT/target/fuzz.log"
mkdir -p "$ROOT/target"
: > "$log"
cd "$ROOT"
end=$((SECONDS + minutes * 60))
round=0
total=0
echo "fuzz: $tests, $tries tries per property per round, for $minutes minutes (log: $log)"
while (( SECONDS < end )); do
  round=$((round + 1))
  start=$SECONDS
  # shellcheck disable=SC2086
  status=0
  mvn -q -B ${MVN_FLAGS:-} test -Dtest="$tests" -Djqwik.tries.default="$tries" \
    -Dsurefire.failIfNoSpecifiedTests=false > "$log.round" 2>&1 || status=$?
  cat "$log.round" >> "$log"
  if (( status != 0 )); then
    echo "fuzz: round $round FAILED after $SECONDS s; the falsified samples:"
    grep -E -A 30 "falsified|Sample|expected:" "$log.round" | head -150 || true
    echo "fuzz: full output in $log"
    exit 1
  fi
  checks=0
  while read -r n; do checks=$((checks + n)); done < <(grep -o 'checks *= *[0-9]*' "$log.round" | grep -o '[0-9]*$')
  total=$((total + checks))
  echo "fuzz: round $round passed in $((SECONDS - start)) s ($checks inputs checked)"
done
echo "fuzz: PASS, $round rounds in $SECONDS s, $total inputs checked, nothing found"
