package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * MULTI/EXEC/DISCARD/WATCH/UNWATCH give redis-server's replies, byte for byte, through a
 * follower. Key changes between WATCH and EXEC are made on the same connection (Redis aborts
 * those too); TransactionsIT covers other connections and other peers.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TransactionsCompatIT {
  /** Started before the first test, flushed before each, stopped after the last. */
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  @BeforeEach
  void noOpenTransaction() throws Exception {
    diff.same("UNWATCH");
    diff.same("DISCARD"); // leaves no transaction open whatever a failed test did
  }

  @Test
  void queuedCommandsRunAtExecAndRuntimeErrorsAreElementsOfTheReply() throws Exception {
    diff.script("""
        SET s text
        MULTI
        SET k 10
        GET k
        INCR k
        INCR s
        INCRBY k 5
        APPEND k x
        INCR k
        MGET k s nothing
        DEL s
        EXISTS s k
        STRLEN k
        TYPE k
        EXEC
        GET k
        GET s
        """);
  }

  @Test
  void emptyTransactionsAndDiscard() throws Exception {
    diff.script("""
        MULTI
        EXEC
        MULTI
        SET k v
        DISCARD
        GET k
        EXEC
        DISCARD
        MULTI
        DISCARD
        """);
  }

  @Test
  void errorsWhileQueueingAbortWithExecabortAndNothingRuns() throws Exception {
    diff.script("""
        MULTI
        SET a 1
        SET k
        INCR a
        EXEC
        GET a
        MULTI
        SET a 1
        NOSUCHCOMMAND x y
        EXEC
        GET a
        MULTI
        GET
        EXEC
        MULTI
        raftkv|exec 0
        EXEC
        MULTI
        SET a 1
        MULTI x
        EXEC
        MULTI
        WATCH
        EXEC
        MULTI
        SET a 1
        DISCARD x
        DISCARD
        GET a
        """);
  }

  @Test
  void misplacedTransactionCommandsGetRedisTexts() throws Exception {
    diff.script("""
        EXEC
        DISCARD
        EXEC x
        DISCARD x
        MULTI x
        UNWATCH x
        WATCH
        MULTI
        MULTI
        WATCH k
        SET a 1
        EXEC
        GET a
        MULTI
        SET a 2
        EXEC x
        GET a
        EXEC
        """);
  }

  @Test
  void normalizerErrorsAreQueuedAndAnsweredInsideExecLikeRedis() throws Exception {
    diff.script("""
        MULTI
        SET k v EX 0
        SET k v NX XX
        INCRBY k notanumber
        SET k v EX 100
        TTL k
        SET j v KEEPTTL
        FLUSHDB ASYNC
        FLUSHDB BOGUS
        EXEC
        DBSIZE
        """);
  }

  @Test
  void localCommandsAreQueuedAndAnsweredInOrder() throws Exception {
    diff.script("""
        MULTI
        PING
        SET k v
        PING hello
        ECHO e
        SELECT 0
        UNWATCH
        GET k
        EXEC
        """);
  }

  @Test
  void execAbortsWithANilArrayWhenAWatchedKeyChanged() throws Exception {
    diff.script("""
        SET k 1
        WATCH k
        SET k 2
        MULTI
        INCR k
        EXEC
        GET k
        EXEC
        WATCH k other
        INCR other
        MULTI
        INCR k
        EXEC
        GET k
        WATCH nothing
        SET nothing x
        MULTI
        GET nothing
        EXEC
        WATCH k
        DEL k
        MULTI
        EXEC
        """);
  }

  @Test
  void execRunsWhenWatchedKeysDidNotChange() throws Exception {
    diff.script("""
        SET k 1
        WATCH k absent
        GET k
        SET other x
        MULTI
        INCR k
        SET absent y
        EXEC
        GET k
        GET absent
        WATCH k
        WATCH k
        MULTI
        INCR k
        EXEC
        """);
  }

  @Test
  void unwatchDiscardExecabortAndExecForgetWatches() throws Exception {
    diff.script("""
        SET k 1
        WATCH k
        UNWATCH
        SET k 2
        MULTI
        INCR k
        EXEC
        WATCH k
        MULTI
        DISCARD
        SET k 10
        MULTI
        INCR k
        EXEC
        WATCH k
        MULTI
        NOSUCHCOMMAND
        EXEC
        SET k 20
        MULTI
        INCR k
        EXEC
        WATCH k
        SET k 30
        MULTI
        EXEC
        SET k 40
        MULTI
        INCR k
        EXEC
        WATCH k
        EXEC x
        SET k 50
        MULTI
        INCR k
        EXEC
        """);
  }

  @Test
  void aWatchedKeyThatExpiresAbortsButOneAlreadyExpiredDoesNot() throws Exception {
    // WATCH must reach raft-kv before w expires: 1 s leaves room for a loaded CI machine
    // (with 150 ms, a WATCH that came late saw w already expired and EXEC rightly went ahead)
    diff.script("""
        SET w 1 PX 1000
        WATCH w
        """);
    Thread.sleep(1300);
    diff.script("""
        MULTI
        PING
        EXEC
        SET gone 1 PX 100
        """);
    Thread.sleep(300);
    diff.script("""
        WATCH gone
        MULTI
        PING
        EXEC
        """);
  }

  @Test
  void flushingAbortsOnlyWhenAWatchedKeyExisted() throws Exception {
    diff.script("""
        WATCH absent
        FLUSHALL
        MULTI
        PING
        EXEC
        SET k 1
        WATCH k
        FLUSHALL
        MULTI
        PING
        EXEC
        """);
  }

  @Test
  void internalCommandNamesAreUnknownToClients() throws Exception {
    diff.same(List.of(
        new String[] {"raftkv|exec", "0", "Cx"},
        new String[] {"raftkv|watch", "k"},
        new String[] {"RAFTKV|EXEC"}));
  }

  @Test
  void aWatchAbortRunsNothing() throws Exception {
    diff.script("""
        SET k 1
        WATCH k
        SET k 2
        MULTI
        SET k 3
        SET other x
        EXEC
        """);
    assertEquals("2", diff.same("GET", "k"));
    assertNull(diff.same("GET", "other"));
  }

  /**
   * Redis's own suite (multi.tcl, "EXEC fails if there are errors while queueing commands #2"):
   * another connection sets maxmemory to 1 byte while a transaction is open; the write queued then
   * is refused with OOM, and EXEC aborts even though maxmemory is back to 0 when it arrives.
   */
  @Test
  void aWriteRefusedForMaxmemoryWhileQueueingAbortsExec() throws Exception {
    try (dev.raftkv.verify.RespClient redis = diff.redisClient();
        dev.raftkv.verify.RespClient kv = new dev.raftkv.verify.RespClient("127.0.0.1",
            diff.raftKvPort(), 2000, 15_000)) {
      try {
        maxmemoryScript(redis, kv);
      } finally {
        for (dev.raftkv.verify.RespClient other : List.of(redis, kv)) {
          other.call("CONFIG", "SET", "maxmemory", "0");
        }
      }
    }
  }

  private static void maxmemoryScript(dev.raftkv.verify.RespClient redis, dev.raftkv.verify.RespClient kv)
      throws Exception {
    diff.script("""
        MULTI
        SET foo1 bar1
        """);
    for (dev.raftkv.verify.RespClient other : List.of(redis, kv)) {
      assertEquals("OK", other.call("CONFIG", "SET", "maxmemory", "1"));
    }
    diff.script("""
        LPUSH mylist myvalue
        PING
        """);
    for (dev.raftkv.verify.RespClient other : List.of(redis, kv)) {
      assertEquals("OK", other.call("CONFIG", "SET", "maxmemory", "0"));
    }
    diff.script("""
        SET foo2 bar2
        EXEC
        EXISTS foo1 foo2 mylist
        """);
    // outside a transaction: denyoom writes are refused, the others run; the setting reads back
    for (dev.raftkv.verify.RespClient other : List.of(redis, kv)) {
      assertEquals("OK", other.call("CONFIG", "SET", "maxmemory", "1"));
    }
    diff.script("""
        SET a 1
        APPEND a x
        DEL a
        GET a
        CONFIG GET maxmemory
        """);
    for (dev.raftkv.verify.RespClient other : List.of(redis, kv)) {
      assertEquals("OK", other.call("CONFIG", "SET", "maxmemory", "0"));
    }
    diff.script("""
        CONFIG SET maxmemory 10mb
        CONFIG GET maxmemory
        CONFIG SET maxmemory 0
        SET a 1
        """);
    // EXEC itself is refused when it would run a denyoom command; DISCARD never is
    diff.script("""
        MULTI
        SET b 1
        GET b
        """);
    for (dev.raftkv.verify.RespClient other : List.of(redis, kv)) {
      assertEquals("OK", other.call("CONFIG", "SET", "maxmemory", "1"));
    }
    diff.script("""
        EXEC
        EXEC
        MULTI
        DISCARD
        """);
}

  /**
   * min-replicas-to-write above the replicas a server has: writes, and an EXEC that would write,
   * get NOREPLICAS (multi.tcl, "exec with write commands and state change"). The redis-server has
   * no replica, the raft-kv follower two other peers: each is asked for one more than it has.
   */
  @Test
  void writesWithTooFewReplicasGetNoreplicas() throws Exception {
    try (dev.raftkv.verify.RespClient redis = diff.redisClient();
        dev.raftkv.verify.RespClient kv = new dev.raftkv.verify.RespClient("127.0.0.1",
            diff.raftKvPort(), 2000, 15_000)) {
      try {
        assertEquals("OK", redis.call("CONFIG", "SET", "min-replicas-to-write", "1"));
        assertEquals("OK", kv.call("CONFIG", "SET", "min-replicas-to-write", "3"));
        diff.script("""
            SET a 1
            GET a
            MULTI
            GET a
            INCR a
            EXEC
            """);
        for (dev.raftkv.verify.RespClient other : List.of(redis, kv)) {
          assertEquals("OK", other.call("CONFIG", "SET", "min-slaves-to-write", "0"));
        }
        diff.script("""
            MULTI
            INCR a
            """);
        assertEquals("OK", redis.call("CONFIG", "SET", "min-replicas-to-write", "1"));
        assertEquals("OK", kv.call("CONFIG", "SET", "min-replicas-to-write", "3"));
        diff.script("""
            EXEC
            MULTI
            GET a
            EXEC
            CONFIG SET min-replicas-to-write x
            CONFIG SET min-replicas-to-write -1
            """);
        // as many as there are: the follower's writes go on
        assertEquals("OK", kv.call("CONFIG", "SET", "min-replicas-to-write", "2"));
        assertEquals("OK", kv.call("SET", "a", "1"));
      } finally {
        for (dev.raftkv.verify.RespClient other : List.of(redis, kv)) {
          other.call("CONFIG", "SET", "min-replicas-to-write", "0");
        }
      }
    }
  }

  /** Sends {@code pipeline} at once to {@code port}, then reads every reply up to ECHO __end__'s. */
  private static String pipelined(int port, String pipeline) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(60_000);
      Thread writer = new Thread(() -> {
        try {
          socket.getOutputStream().write(pipeline.getBytes(java.nio.charset.StandardCharsets.UTF_8));
          socket.getOutputStream().flush();
        } catch (java.io.IOException e) {
          // the read below fails
        }
      });
      writer.start();
      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      String end = "$7\r\n__end__\r\n";
      byte[] buf = new byte[65536];
      java.io.InputStream in = socket.getInputStream();
      while (!got.toString(java.nio.charset.StandardCharsets.UTF_8).endsWith(end)) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        got.write(buf, 0, n);
      }
      writer.join();
      return got.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /**
   * Redis's suite, unit/other "PIPELINING stresser": SET/GET pairs and other reads and writes
   * pipelined on one connection (sent at once, read after), so the follower packs them into
   * pipelined runs: every reply, errors included, is redis-server's, in request order; a GET
   * sees its connection's SET before it and none after; SET k 1, SET k 2 ends at 2.
   */
  @Test
  void pipelinedWritesAndReadsGetRedisRepliesInOrder() throws Exception {
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      p.append("SET key:").append(i).append(" 0000").append(i).append("0000\r\n");
      p.append("GET key:").append(i).append("\r\n");
      if (i % 500 == 0) {
        p.append("SET k 1\r\nSET k 2\r\nGET k\r\nINCR n\r\nGET n\r\nLPUSH n x\r\nGET n\r\n")
            .append("SET s v EX 0\r\nEXISTS s\r\nSET s v\r\nSTRLEN s\r\nAPPEND s w\r\nGET s\r\n")
            .append("RPUSH l a b c\r\nLRANGE l 0 -1\r\nLLEN l\r\nMGET k n s l\r\nDEL l\r\n")
            .append("TYPE l\r\nPING\r\nMULTI\r\nSET m ").append(i).append("\r\nGET m\r\nEXEC\r\n")
            .append("GET m\r\nFOO\r\nGET\r\nGET k\r\n");
      }
    }
    p.append("DBSIZE\r\nECHO __end__\r\n");
    String expected = pipelined(diff.redisPort(), p.toString());
    String got = pipelined(diff.raftKvPort(), p.toString());
    assertEquals(expected.length(), got.length(), "the same replies");
    assertEquals(expected, got);
    diff.same("GET", "k");
    diff.same("GET", "key:2999");
  }
}
