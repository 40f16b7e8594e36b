#!/usr/bin/env bash
# Starts one peer of conf/peers.conf in the foreground:
#   bin/start-node.sh ID [more server flags...]
#   = bin/raftkv server --id ID --peers conf/peers.conf --data-dir data/ID [more server flags...]
# run from the project root. PEERS=FILE uses another peers file.
# Logs go to the console and to logs/ID.log under the project root, rotated by size (10 MB,
# 5 old files: logs/ID.log.1.gz ...); RAFTKV_LOG_FILE=FILE logs to FILE instead, RAFTKV_LOG_FILE=
# (empty) to the console only.
set -euo pipefail

if [[ $# -lt 1 || -z "$1" || "$1" == -* ]]; then
  echo "usage: $(basename "$0") ID [server flags...]   (ID from conf/peers.conf, e.g. n1)" >&2
  exit 2
fi

src="${BASH_SOURCE[0]}"
while [[ -L "$src" ]]; do
  dir="$(cd -P "$(dirname "$src")" && pwd)"
  src="$(readlink "$src")"
  [[ "$src" == /* ]] || src="$dir/$src"
done
ROOT="$(cd -P "$(dirname "$src")/.." && pwd)"

peers="${PEERS:-conf/peers.conf}"
if [[ -n "${PEERS:-}" && "$peers" != /* ]]; then
  peers="$PWD/$peers"   # relative to the caller's directory, not the project root
fi

cd "$ROOT"
export RAFTKV_LOG_FILE="${RAFTKV_LOG_FILE-$ROOT/logs/$1.log}"
exec bin/raftkv server --id "$1" --peers "$peers" --data-dir "data/$1" "${@:2}"
