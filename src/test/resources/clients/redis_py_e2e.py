#!/usr/bin/env python3
"""End-to-end check of raft-kv with Debian's python3-redis (redis-py 4.x), unchanged.

Usage: redis_py_e2e.py HOST PORT [OTHER_PORT]

Connects to HOST:PORT (ClientToolsIT passes a follower), uses strings, hashes, lists, sets,
sorted sets, expiry, keys, a pipeline and transactions with WATCH, and reads the results back
through OTHER_PORT (another peer) when given. Prints every mismatch and exits 1 if there was any;
an unexpected exception exits 2 (the traceback names the call). Keys live under "py:" and are
deleted first; nothing else is touched.
"""

import sys
import time
import traceback

import redis

failures = []


def check(what, got, want):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))


def raises(what, exc_type, fn):
    try:
        fn()
    except exc_type as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - the wrong kind of failure is a mismatch too
        failures.append("%s: raised %r, want %s" % (what, e, exc_type.__name__))
        return None
    failures.append("%s: no error, want %s" % (what, exc_type.__name__))
    return None


def eventually(what, fn, want, seconds=5.0):
    deadline = time.monotonic() + seconds
    got = fn()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.05)
        got = fn()
    check(what, got, want)


def strings(r):
    check("set", r.set("py:s", "hello"), True)
    check("get", r.get("py:s"), "hello")
    check("set nx on existing", r.set("py:s", "x", nx=True), None)
    check("set xx get", r.set("py:s", "world", xx=True, get=True), "hello")
    check("append", r.append("py:s", "!"), 6)
    check("strlen", r.strlen("py:s"), 6)
    check("getrange", r.getrange("py:s", 1, -2), "orld")
    check("setrange", r.setrange("py:s", 0, "W"), 6)
    check("getset", r.getset("py:s", "v2"), "World!")
    check("mset", r.mset({"py:a": "1", "py:b": "2"}), True)
    check("mget", r.mget("py:a", "py:b", "py:missing"), ["1", "2", None])
    check("msetnx", r.msetnx({"py:a": "9", "py:c": "3"}), False)
    check("incr", r.incr("py:a"), 2)
    check("incrby", r.incrby("py:a", 40), 42)
    check("decrby", r.decrby("py:a", 2), 40)
    check("incrbyfloat", r.incrbyfloat("py:b", 0.5), 2.5)
    check("getdel", r.getdel("py:b"), "2.5")
    check("exists after getdel", r.exists("py:b"), 0)
    msg = raises("incr on a non-integer", redis.ResponseError, lambda: r.incr("py:s"))
    check("incr error text", msg, "value is not an integer or out of range")
    check("binary value", r.set("py:bin", b"\x00\xff\r\n"), True)


def hashes(r):
    check("hset mapping", r.hset("py:h", mapping={"f1": "v1", "f2": "v2", "n": "10"}), 3)
    check("hget", r.hget("py:h", "f1"), "v1")
    check("hgetall", r.hgetall("py:h"), {"f1": "v1", "f2": "v2", "n": "10"})
    check("hmget", r.hmget("py:h", ["f2", "nope"]), ["v2", None])
    check("hincrby", r.hincrby("py:h", "n", 5), 15)
    check("hincrbyfloat", r.hincrbyfloat("py:h", "n", 0.25), 15.25)
    check("hsetnx", r.hsetnx("py:h", "f1", "x"), False)
    check("hexists", r.hexists("py:h", "f2"), True)
    check("hdel", r.hdel("py:h", "f2", "nope"), 1)
    check("hlen", r.hlen("py:h"), 2)
    check("hkeys", sorted(r.hkeys("py:h")), ["f1", "n"])
    check("hvals", sorted(r.hvals("py:h")), ["15.25", "v1"])
    check("hstrlen", r.hstrlen("py:h", "f1"), 2)
    check("hscan_iter", dict(r.hscan_iter("py:h", count=1)), {"f1": "v1", "n": "15.25"})


def lists(r):
    check("rpush", r.rpush("py:l", "a", "b", "c"), 3)
    check("lpush", r.lpush("py:l", "z"), 4)
    check("lrange", r.lrange("py:l", 0, -1), ["z", "a", "b", "c"])
    check("linsert", r.linsert("py:l", "BEFORE", "b", "x"), 5)
    check("lindex", r.lindex("py:l", -1), "c")
    check("lset", r.lset("py:l", 0, "y"), True)
    check("lpos", r.lpos("py:l", "b"), 3)
    check("lpop count", r.lpop("py:l", 2), ["y", "a"])
    check("rpop", r.rpop("py:l"), "c")
    check("lmove", r.lmove("py:l", "py:l2", "LEFT", "RIGHT"), "x")
    check("llen", r.llen("py:l"), 1)
    check("rpush more", r.rpush("py:l", "b", "q", "b"), 4)
    check("lrem", r.lrem("py:l", 0, "b"), 3)
    check("ltrim", r.ltrim("py:l2", 0, 0), True)
    check("lrange after", (r.lrange("py:l", 0, -1), r.lrange("py:l2", 0, -1)), (["q"], ["x"]))
    check("lpushx on missing", r.lpushx("py:nolist", "a"), 0)
    msg = raises("lpush on a string", redis.ResponseError, lambda: r.lpush("py:s", "a"))
    check("wrongtype text", msg,
          "WRONGTYPE Operation against a key holding the wrong kind of value")


def sets(r):
    check("sadd", r.sadd("py:s1", "a", "b", "c"), 3)
    check("sadd more", r.sadd("py:s2", "b", "c", "d"), 3)
    check("smembers", r.smembers("py:s1"), {"a", "b", "c"})
    check("sismember", r.sismember("py:s1", "a"), True)
    check("smismember", r.smismember("py:s1", ["a", "d"]), [1, 0])
    check("sinter", r.sinter("py:s1", "py:s2"), {"b", "c"})
    check("sunion", r.sunion("py:s1", "py:s2"), {"a", "b", "c", "d"})
    check("sdiff", r.sdiff("py:s1", "py:s2"), {"a"})
    check("sinterstore", r.sinterstore("py:s3", ["py:s1", "py:s2"]), 2)
    check("smove", r.smove("py:s1", "py:s3", "a"), True)
    check("scard", r.scard("py:s3"), 3)
    member = r.spop("py:s3")
    check("spop member", member in {"a", "b", "c"}, True)
    check("scard after spop", r.scard("py:s3"), 2)
    check("srandmember count", len(r.srandmember("py:s2", 2)), 2)
    check("srem", r.srem("py:s2", "d", "nope"), 1)
    check("sscan_iter", set(r.sscan_iter("py:s2")), {"b", "c"})


def zsets(r):
    check("zadd", r.zadd("py:z", {"a": 1, "b": 2, "c": 3}), 3)
    check("zadd ch gt", r.zadd("py:z", {"a": 5, "b": 1}, gt=True, ch=True), 1)
    check("zscore", r.zscore("py:z", "a"), 5.0)
    check("zincrby", r.zincrby("py:z", 0.5, "c"), 3.5)
    check("zrange withscores", r.zrange("py:z", 0, -1, withscores=True),
          [("b", 2.0), ("c", 3.5), ("a", 5.0)])
    check("zrangebyscore", r.zrangebyscore("py:z", "(2", "+inf"), ["c", "a"])
    check("zrevrange", r.zrevrange("py:z", 0, 0), ["a"])
    check("zrank", r.zrank("py:z", "a"), 2)
    check("zrevrank", r.zrevrank("py:z", "a"), 0)
    check("zcount", r.zcount("py:z", 2, 4), 2)
    check("zmscore", r.zmscore("py:z", ["a", "nope"]), [5.0, None])
    check("zrangestore", r.zrangestore("py:z2", "py:z", 0, 1), 2)
    check("zpopmin", r.zpopmin("py:z"), [("b", 2.0)])
    check("zpopmax", r.zpopmax("py:z"), [("a", 5.0)])
    check("zcard", (r.zcard("py:z"), r.zcard("py:z2")), (1, 2))
    check("zrem", r.zrem("py:z2", "b", "nope"), 1)
    check("zscan_iter", list(r.zscan_iter("py:z2")), [("c", 3.5)])


def expiry(r):
    r.set("py:e", "v", ex=100)
    ttl = r.ttl("py:e")
    check("ttl after set ex", 98 <= ttl <= 100, True)
    check("pexpire", r.pexpire("py:e", 50_000), True)
    check("pttl", 0 < r.pttl("py:e") <= 50_000, True)
    check("expire gt refused", r.expire("py:e", 10, gt=True), False)
    check("persist", r.persist("py:e"), True)
    check("ttl after persist", r.ttl("py:e"), -1)
    check("ttl missing", r.ttl("py:missing"), -2)
    at = int(time.time()) + 1000
    check("expireat", r.expireat("py:e", at), True)
    check("expiretime", r.expiretime("py:e"), at)
    r.set("py:short", "v", px=300)
    check("getex persist", r.getex("py:e", persist=True), "v")
    eventually("short-lived key expires", lambda: r.get("py:short"), None)
    check("exists after expiry", r.exists("py:short"), 0)


def keys(r):
    check("type", [r.type(k) for k in ("py:s", "py:h", "py:l", "py:s2", "py:z2", "py:x")],
          ["string", "hash", "list", "set", "zset", "none"])
    check("rename", r.rename("py:a", "py:a2"), True)
    check("renamenx", r.renamenx("py:a2", "py:s"), False)
    check("keys", sorted(r.keys("py:a*")), ["py:a2"])
    check("scan_iter match", sorted(r.scan_iter(match="py:s*", count=2)),
          ["py:s", "py:s1", "py:s2", "py:s3"])
    check("scan_iter type", sorted(r.scan_iter(match="py:*", _type="zset")), ["py:z", "py:z2"])
    check("delete", r.delete("py:a2", "py:nope"), 1)
    check("unlink", r.unlink("py:c"), 0)


def pipeline_and_transactions(r, r2):
    with r.pipeline(transaction=False) as p:
        p.set("py:p1", "1").incr("py:p1").get("py:p1").lpush("py:s", "x").get("py:p1")
        results = p.execute(raise_on_error=False)
    check("pipeline first results", results[:3], [True, 2, "2"])
    check("pipeline error in place", isinstance(results[3], redis.ResponseError), True)
    check("pipeline after error", results[4], "2")

    with r.pipeline() as p:  # MULTI/EXEC
        p.incr("py:ctr").incr("py:ctr").hset("py:th", "f", "v").hgetall("py:th")
        check("multi exec", p.execute(), [1, 2, 1, {"f": "v"}])

    # Optimistic locking the way redis-py documents it: WATCH, read, MULTI, write, EXEC.
    def add_ten(pipe):
        value = int(pipe.get("py:ctr"))
        pipe.multi()
        pipe.set("py:ctr", value + 10)

    check("transaction helper", r.transaction(add_ten, "py:ctr"), [True])
    check("counter after transaction", r.get("py:ctr"), "12")

    # A watched key changed by another client (on another peer when given): EXEC aborts.
    with r.pipeline() as p:
        p.watch("py:ctr")
        before = int(p.get("py:ctr"))
        r2.set("py:ctr", "100")
        p.multi()
        p.set("py:ctr", before + 1)
        raises("exec after a watched key changed", redis.WatchError, p.execute)
    check("counter keeps the other client's write", r.get("py:ctr"), "100")

    with r.pipeline() as p:
        p.watch("py:ctr")
        p.multi()
        p.incr("py:ctr")
        check("exec with an unchanged watched key", p.execute(), [101])

    with r.pipeline() as p:  # a queue-time error aborts the whole transaction
        p.set("py:q", "1").execute_command("SET", "py:q")
        raises("exec after a queue-time error", redis.ResponseError, p.execute)
    check("nothing applied after EXECABORT", r.exists("py:q"), 0)


def server(r):
    check("ping", r.ping(), True)
    check("echo", r.echo("hi"), "hi")
    check("client_setname", r.client_setname("py-e2e"), True)
    check("client_getname", r.client_getname(), "py-e2e")
    info = r.info()
    check("info loading", info.get("loading"), 0)
    check("info role", info.get("role") in ("master", "slave"), True)
    secs, _micros = r.time()
    check("time", abs(secs - time.time()) < 60, True)
    check("dbsize", r.dbsize() >= 1, True)
    check("select 0", r.execute_command("SELECT", 0), True)


def read_back(r2):
    check("other peer: string", r2.get("py:s"), "v2")
    raw = redis.Redis(host=r2.connection_pool.connection_kwargs["host"],
                      port=r2.connection_pool.connection_kwargs["port"], socket_timeout=15)
    try:
        check("other peer: binary", raw.get("py:bin"), b"\x00\xff\r\n")
    finally:
        raw.close()
    check("other peer: hash", r2.hgetall("py:h"), {"f1": "v1", "n": "15.25"})
    check("other peer: list", r2.lrange("py:l2", 0, -1), ["x"])
    check("other peer: zset", r2.zrange("py:z", 0, -1, withscores=True), [("c", 3.5)])
    check("other peer: counter", r2.get("py:ctr"), "101")


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 64
    host, port = sys.argv[1], int(sys.argv[2])
    other = int(sys.argv[3]) if len(sys.argv) == 4 else port
    r = redis.Redis(host=host, port=port, db=0, client_name="py-e2e",
                    decode_responses=True, socket_timeout=15)
    r2 = redis.Redis(host=host, port=other, decode_responses=True, socket_timeout=15)
    r.delete(*["py:" + k for k in ("s", "a", "b", "c", "bin", "h", "l", "l2", "s1", "s2", "s3",
                                    "z", "z2", "e", "short", "a2", "p1", "ctr", "th", "q")])
    try:
        for step in (strings, hashes, lists, sets, zsets, expiry, keys):
            step(r)
        pipeline_and_transactions(r, r2)
        server(r)
        read_back(r2)
    except Exception:  # noqa: BLE001 - report and fail, never pass
        traceback.print_exc()
        return 2
    finally:
        r.close()
        r2.close()
    for f in failures:
        print("MISMATCH " + f)
    if failures:
        return 1
    print("redis-py e2e: OK (redis-py %s)" % redis.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
