# Sourced by bin/bench.sh and bin/memory-scale.sh: the processes a script starts and their cleanup.
# Add each started PID to `pids`; `cleanup` stops them all by PID (SIGTERM, then SIGKILL after
# 10 s), never by name. The EXIT trap also removes "$tmp".

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids=()
}
trap 'cleanup; rm -rf "${tmp:-}"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_ports N: N free loopback TCP ports, space-separated (all held open until all are chosen)
free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}
