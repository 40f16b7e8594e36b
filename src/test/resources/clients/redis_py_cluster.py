"""redis-py's RedisCluster, unchanged, against raft-kv in cluster mode (ClusterModeIT).

usage: redis_py_cluster.py HOST PORT write|read PREFIX FROM TO
  write: SET PREFIX:i = v-i for FROM <= i < TO, each retried until acknowledged (30 s);
         prints "acked N"
  read:  GET every key of the range, prints "read N" when every value is the one written
Both print "redis-py cluster: OK" at the end; any other outcome exits 1.
"""
import sys
import time

from redis.cluster import RedisCluster
from redis.exceptions import RedisError


def main():
    host, port, mode, prefix, first, last = sys.argv[1:7]
    first, last = int(first), int(last)
    rc = RedisCluster(host=host, port=int(port), socket_timeout=15)
    # asked of the node we were given: a random one may be the peer the test just stopped (it
    # stays in the listings as a replica while it is a voter)
    slots = rc.execute_command("CLUSTER SLOTS", target_nodes=rc.get_node(host=host, port=int(port)) or RedisCluster.RANDOM)
    assert list(slots) == [(0, 16383)], slots  # parsed by redis-py: {(start, end): nodes}
    done = 0
    for i in range(first, last):
        key = "%s:%d" % (prefix, i)
        if mode == "write":
            deadline = time.time() + 30
            while True:
                try:
                    assert rc.set(key, "v-%d" % i)
                    break
                except RedisError as e:
                    if time.time() > deadline:
                        raise
                    print("retrying %s: %r" % (key, e), flush=True)
                    time.sleep(0.2)
        else:
            got = rc.get(key)
            if got != ("v-%d" % i).encode():
                print("%s: %r" % (key, got))
                sys.exit(1)
        done += 1
    # a multi-key command in one slot, and one across slots
    rc.mset({"{%s}a" % prefix: "1", "{%s}b" % prefix: "2"})
    assert rc.mget("{%s}a" % prefix, "{%s}b" % prefix) == [b"1", b"2"]
    print("%s %d" % ("acked" if mode == "write" else "read", done))
    print("redis-py cluster: OK")
    rc.close()


if __name__ == "__main__":
    main()
