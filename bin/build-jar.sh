#!/usr/bin/env bash
# Builds target/raft-kv.jar with `mvn -q -B package -DskipTests` when it is missing or older than
# pom.xml or any file under src/. Safe to run several times at once (flock on target/.build.lock):
# only the first caller builds, the others wait and then find the jar fresh.
#
# Environment: RAFTKV_NO_BUILD=1  never build; only fail if the jar is missing.
#              MVN                Maven command (default: mvn).
set -euo pipefail

# Resolve the project root from this script's real location (following symlinks).
src="${BASH_SOURCE[0]}"
while [[ -L "$src" ]]; do
  dir="$(cd -P "$(dirname "$src")" && pwd)"
  src="$(readlink "$src")"
  [[ "$src" == /* ]] || src="$dir/$src"
done
ROOT="$(cd -P "$(dirname "$src")/.." && pwd)"
JAR="$ROOT/target/raft-kv.jar"

# True when the jar must be (re)built.
jar_is_stale() {
  [[ ! -f "$JAR" ]] && return 0
  [[ "$ROOT/pom.xml" -nt "$JAR" ]] && return 0
  [[ -d "$ROOT/src" && -n "$(find "$ROOT/src" -newer "$JAR" -print -quit)" ]]
}

if [[ "${RAFTKV_NO_BUILD:-}" == 1 ]]; then
  [[ -f "$JAR" ]] || { echo "raftkv: $JAR is missing and RAFTKV_NO_BUILD=1" >&2; exit 1; }
  exit 0
fi

jar_is_stale || exit 0

mkdir -p "$ROOT/target"
build() {
  # Checked again under the lock: another caller may have built it while we waited.
  jar_is_stale || return 0
  command -v "${MVN:-mvn}" >/dev/null 2>&1 || {
    echo "raftkv: $JAR needs building but '${MVN:-mvn}' is not on PATH (install Maven 3.8+)" >&2
    return 1
  }
  echo "raftkv: building $JAR (mvn -q -B package -DskipTests) ..." >&2
  # Maven's output is shown only if the build fails (on stderr: the tool's stdout stays clean).
  local out
  if ! out="$(cd "$ROOT" && "${MVN:-mvn}" -q -B package -DskipTests 2>&1 </dev/null)"; then
    printf '%s\n' "$out" >&2
    echo "raftkv: build failed (mvn -q -B package -DskipTests in $ROOT)" >&2
    return 1
  fi
  # The shade step may leave an unchanged jar's time alone; mark it fresh.
  touch "$JAR"
}

if command -v flock >/dev/null 2>&1; then
  (
    flock 9
    build
  ) 9>"$ROOT/target/.build.lock"
else
  build
fi
