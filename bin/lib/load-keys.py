"""Writes N SET commands in RESP to stdout, for redis-cli --pipe: keys key:000000000.. with a
VALUE-byte value each. Used by bin/snapshot-scale.sh and bin/memory-scale.sh.

    python3 bin/lib/load-keys.py N VALUE_BYTES | redis-cli -p PORT --pipe
"""
import sys

n, size = int(sys.argv[1]), int(sys.argv[2])
v = b"v" * size
out = sys.stdout.buffer
chunk = []
for i in range(n):
    k = b"key:%09d" % i
    chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
    if len(chunk) == 10000:
        out.write(b"".join(chunk))
        chunk = []
out.write(b"".join(chunk))
