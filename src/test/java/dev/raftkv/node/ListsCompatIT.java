package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.raftkv.verify.RespClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** List commands give redis-server's replies, byte for byte, through a follower. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ListsCompatIT {
  /** Started before the first test, flushed before each, stopped after the last. */
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  /** Every list command once, with its common edge cases; also run on the memory store. */
  static void everyCommand(RedisDiff d) throws Exception {
    d.script("""
        LPUSH l c b a
        RPUSH l d e
        LPUSHX l z
        RPUSHX l y
        LPUSHX nokey a
        RPUSHX nokey a
        EXISTS nokey
        LLEN l
        LLEN nokey
        LRANGE l 0 -1
        LRANGE nokey 0 -1
        LINDEX l 0
        LINDEX l -1
        LINDEX l 100
        LINDEX nokey 0
        LSET l 1 A
        LSET l -1 Y
        LPOP l
        RPOP l
        LPOP l 2
        RPOP l 2
        LRANGE l 0 -1
        RPUSH l c c x c
        LREM l 2 c
        LRANGE l 0 -1
        LINSERT l BEFORE x w
        LINSERT l AFTER x x2
        LINSERT l BEFORE nothere v
        LINSERT nokey BEFORE a b
        LPOS l c
        LPOS l c RANK -1 COUNT 0
        LTRIM l 1 -2
        LRANGE l 0 -1
        LMOVE l other LEFT RIGHT
        RPOPLPUSH l other
        LRANGE other 0 -1
        LMPOP 2 nokey other RIGHT COUNT 5
        LMPOP 1 nokey LEFT
        LPOP nokey
        RPOP nokey 3
        LRANGE l 0 -1
        TYPE l
        """);
  }

  @Test
  void sortAndSortRoLikeRedis() throws Exception {
    diff.script("""
        RPUSH l 3 1 2 10 -1.5 1e2
        SORT l
        SORT l DESC
        SORT l ALPHA
        SORT l LIMIT 1 2
        SORT l LIMIT -5 2
        SORT l LIMIT 10 2
        SORT l LIMIT 0 -1 DESC
        SORT_RO l
        SORT_RO l STORE x
        MSET w_3 30 w_1 10 w_2 20 w_10 5 o_1 one o_2 two
        HSET h_3 f c
        HSET h_1 f a
        SORT l BY w_*
        SORT l BY w_* DESC GET # GET o_* GET h_*->f GET nothing
        SORT l BY nosort
        SORT l BY h_*->f ALPHA GET #
        SORT l STORE dst
        LRANGE dst 0 -1
        SORT l BY nosort GET o_* STORE dst
        LRANGE dst 0 -1
        SORT nothing STORE dst
        EXISTS dst
        SADD s b a c 2 1
        SORT s ALPHA
        SORT s BY nosort STORE dst2
        LRANGE dst2 0 -1
        ZADD z 3 c 1 a 2 b
        SORT z BY nosort
        SORT z BY nosort LIMIT 1 1
        SORT z ALPHA DESC
        RPUSH bad 1 x
        SORT bad
        SORT bad ALPHA
        SET str v
        SORT str
        SORT l LIMIT 1
        SORT l FOO
        SORT l LIMIT a b
        SORT
        """);
  }

  @Test
  void everyListCommandWithItsCommonCases() throws Exception {
    everyCommand(diff);
  }

  @Test
  void rangesAndIndexesLikeRedis() throws Exception {
    diff.script("""
        RPUSH l 0 1 2 3 4 5 6 7 8 9
        LRANGE l 0 0
        LRANGE l 2 5
        LRANGE l -3 -1
        LRANGE l -100 100
        LRANGE l 5 2
        LRANGE l 10 20
        LRANGE l -1 -3
        LRANGE l 0 -11
        LRANGE l -11 0
        LRANGE l 9223372036854775807 -9223372036854775808
        LRANGE l -9223372036854775808 9223372036854775807
        LRANGE l a 1
        LRANGE l 1 1.5
        LRANGE l 9223372036854775808 1
        LRANGE nokey a b
        LINDEX l -10
        LINDEX l -11
        LINDEX l 10
        LINDEX l 9223372036854775807
        LINDEX l -9223372036854775808
        LINDEX l notanint
        LINDEX nokey notanint
        LSET l 10 x
        LSET l -11 x
        LSET l notanint x
        LSET nokey 0 x
        LSET nokey notanint x
        LSET l -10 first
        LRANGE l 0 -1
        """);
  }

  @Test
  void trimLikeRedis() throws Exception {
    diff.script("""
        RPUSH l 0 1 2 3 4 5 6 7 8 9
        LTRIM l 1 -2
        LRANGE l 0 -1
        LTRIM l -100 100
        LRANGE l 0 -1
        LTRIM l 2 2
        LRANGE l 0 -1
        LTRIM l a 1
        LTRIM l 0 b
        LTRIM nokey 0 1
        LTRIM nokey a 1
        RPUSH m 1 2 3
        LTRIM m 2 1
        EXISTS m
        RPUSH m 1 2 3
        LTRIM m 5 10
        EXISTS m
        RPUSH m 1 2 3
        LTRIM m -1 -2
        EXISTS m
        """);
  }

  @Test
  void popsWithCountsLikeRedis() throws Exception {
    diff.script("""
        RPUSH l a b c d e
        LPOP l 0
        RPOP l 0
        LPOP l -1
        LPOP l notanint
        LPOP l 1 2
        RPOP l 1 2
        LPOP nokey 0
        LPOP nokey -1
        LPOP l 1
        RPOP l 1
        LPOP l 100
        EXISTS l
        LPOP l
        LPOP l 1
        RPUSH l x
        RPOP l
        EXISTS l
        RPUSH l 1 2 3
        RPOP l 9223372036854775807
        LPOP
        RPOP
        """);
  }

  @Test
  void removeAndInsertLikeRedis() throws Exception {
    diff.script("""
        RPUSH l a b a c a b a
        LREM l -2 a
        LRANGE l 0 -1
        LREM l 0 b
        LRANGE l 0 -1
        LREM l 1 nothere
        LREM l notanint a
        LREM nokey 1 a
        LREM nokey x a
        LREM l 0 a
        LRANGE l 0 -1
        LREM l -9223372036854775808 c
        EXISTS l
        RPUSH l a b a
        LINSERT l BEFORE a x
        LINSERT l after a y
        LINSERT l Before b z
        LRANGE l 0 -1
        LINSERT l MIDDLE a x
        LINSERT nokey MIDDLE a x
        LINSERT nokey AFTER a x
        EXISTS nokey
        """);
  }

  @Test
  void lposOptionsLikeRedis() throws Exception {
    diff.script("""
        RPUSH l a b c 1 2 3 c c a
        LPOS l c
        LPOS l c RANK 2
        LPOS l c RANK -1
        LPOS l c RANK -2
        LPOS l c RANK 4
        LPOS l c COUNT 2
        LPOS l c COUNT 0
        LPOS l c RANK 2 COUNT 0
        LPOS l c RANK -1 COUNT 2
        LPOS l c MAXLEN 3
        LPOS l c MAXLEN 2
        LPOS l c COUNT 0 MAXLEN 7
        LPOS l c RANK -1 MAXLEN 1
        LPOS l nothere
        LPOS l nothere COUNT 1
        LPOS nokey a
        LPOS nokey a COUNT 1
        LPOS l c RANK 0
        LPOS l c RANK x
        LPOS l c COUNT -1
        LPOS l c COUNT x
        LPOS l c MAXLEN -1
        LPOS l c MAXLEN x
        LPOS l c RANK
        LPOS l c FOO 1
        LPOS l c RANK 9223372036854775807
        LPOS l c RANK -9223372036854775808
        LPOS l c RANK -9223372036854775808 COUNT 1
        LPOS l c RANK -9223372036854775808 COUNT 0
        LPOS nokey a RANK 0
        """);
  }

  @Test
  void movesLikeRedis() throws Exception {
    diff.script("""
        RPUSH src 1 2 3
        LMOVE src dst LEFT LEFT
        LMOVE src dst RIGHT RIGHT
        LMOVE src dst left right
        LRANGE dst 0 -1
        EXISTS src
        LMOVE src dst LEFT LEFT
        LMOVE dst dst LEFT RIGHT
        LRANGE dst 0 -1
        LMOVE dst dst RIGHT LEFT
        LRANGE dst 0 -1
        RPOPLPUSH dst dst
        LRANGE dst 0 -1
        RPOPLPUSH nokey dst
        RPOPLPUSH dst fresh
        LRANGE fresh 0 -1
        LMOVE dst fresh UP LEFT
        LMOVE dst fresh LEFT DOWN
        LMOVE nokey fresh UP LEFT
        SET s v
        LMOVE dst s LEFT LEFT
        LMOVE s dst LEFT LEFT
        RPOPLPUSH dst s
        RPOPLPUSH s dst
        LMOVE nokey s LEFT LEFT
        LRANGE dst 0 -1
        """);
  }

  @Test
  void lmpopLikeRedis() throws Exception {
    diff.script("""
        RPUSH a 1 2 3
        RPUSH b 4 5
        LMPOP 2 a b LEFT
        LMPOP 2 nokey b RIGHT COUNT 10
        EXISTS b
        LMPOP 1 a RIGHT COUNT 1
        LMPOP 1 a LEFT COUNT 5
        LMPOP 3 a b c LEFT
        LMPOP 0 a LEFT
        LMPOP -1 a LEFT
        LMPOP x a LEFT
        LMPOP 2 a LEFT
        LMPOP 9223372036854775807 a LEFT
        LMPOP 1 a MIDDLE
        LMPOP 1 a LEFT COUNT
        LMPOP 1 a LEFT COUNT 0
        LMPOP 1 a LEFT COUNT -1
        LMPOP 1 a LEFT COUNT x
        LMPOP 1 a LEFT COUNT 1 COUNT 1
        LMPOP 1 a LEFT FOO
        SET s v
        RPUSH c 1
        LMPOP 2 s c LEFT
        LMPOP 2 c s LEFT
        LMPOP 2 c s LEFT
        LMPOP
        LMPOP 1
        LMPOP 1 a
        """);
  }

  @Test
  void wrongTypeBothWays() throws Exception {
    diff.script("""
        SET s string
        HSET h f v
        LPUSH s a
        RPUSH s a
        LPUSHX s a
        RPUSHX s a
        LPOP s
        RPOP s 2
        LLEN s
        LRANGE s 0 -1
        LINDEX s 0
        LINDEX s notanint
        LSET s 0 x
        LSET s notanint x
        LREM s 0 x
        LTRIM s 0 1
        LINSERT s BEFORE a b
        LPOS s a
        LPOS h a COUNT 0
        LMOVE s dst LEFT LEFT
        RPOPLPUSH h dst
        RPUSH l a
        GET l
        HGET l f
        INCR l
        APPEND l x
        GET s
        HGETALL h
        """);
  }

  @Test
  void wrongArity() throws Exception {
    diff.script("""
        LPUSH l
        RPUSH
        LPUSHX l
        RPUSHX l
        LLEN
        LLEN a b
        LRANGE l 0
        LINDEX l
        LSET l 0
        LREM l 0
        LTRIM l 0
        LINSERT l BEFORE a
        LPOS l
        LMOVE a b LEFT
        RPOPLPUSH a
        BLPOP a
        BRPOP a
        BLMOVE a b LEFT LEFT
        BRPOPLPUSH a b
        BLMPOP 0 1 a
        """);
  }

  @Test
  void emptyAndBinaryLikeElements() throws Exception {
    diff.same("RPUSH", "l", "", "with space", "line\r\nbreak", "");
    diff.same("LPOS", "l", "", "COUNT", "0");
    diff.same("LREM", "l", "1", "");
    diff.same("LINSERT", "l", "BEFORE", "with space", "");
    diff.same("LRANGE", "l", "0", "-1");
    diff.same("LSET", "l", "0", "");
    diff.same("LINDEX", "l", "0");
  }

  @Test
  void longListsKeepOrderThroughEveryPeer() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("RPUSH", "big"));
    for (int i = 0; i < 1000; i++) {
      cmd.add("element-" + i);
    }
    diff.same(cmd.toArray(new String[0]));
    diff.script("""
        LPUSH big head
        LLEN big
        LINDEX big 500
        LRANGE big 495 505
        LRANGE big -5 -1
        LTRIM big 100 899
        LPOS big element-500
        LREM big 0 element-200
        LINSERT big AFTER element-300 inserted
        LRANGE big 195 205
        LPOP big 3
        RPOP big 3
        LLEN big
        """);
    TestCluster c = diff.cluster();
    Object expected = diff.same("LRANGE", "big", "0", "-1");
    for (int port : c.redisPorts) {
      try (RespClient peer = new RespClient("127.0.0.1", port, 2000, 15_000)) {
        assertEquals(expected, peer.call("LRANGE", "big", "0", "-1"), "peer on port " + port);
      }
    }
  }

  @Test
  void blockingCommandsPopLikeRedisAndEveryPeerAgrees() throws Exception {
    diff.same("RPUSH", "q", "j1", "j2", "j3", "j4", "j5");
    // short timeouts: both block briefly once q is empty (BlockingCompatIT covers the rest)
    String[][] blocking = {
        {"BLPOP", "q", "0.01"},
        {"BRPOP", "q", "nokey", "0.01"},
        {"BLMOVE", "q", "dst", "LEFT", "RIGHT", "0.01"},
        {"BRPOPLPUSH", "q", "dst", "0.01"},
        {"BLMPOP", "0.01", "1", "q", "LEFT"},
        {"BLPOP", "q", "0.01"},
    };
    for (String[] command : blocking) {
      diff.same(command);
    }
    TestCluster c = diff.cluster();
    for (int port : c.redisPorts) {
      try (RespClient peer = new RespClient("127.0.0.1", port, 2000, 15_000)) {
        TestCluster.eventually(java.time.Duration.ofSeconds(10), () -> {
          try {
            return List.of("j4", "j2").equals(peer.call("LRANGE", "dst", "0", "-1"))
                && Long.valueOf(0).equals(peer.call("EXISTS", "q"));
          } catch (java.io.IOException e) {
            return false;
          }
        }, "peer on port " + port + " has applied the pops");
      }
    }
  }

  /** The same commands against the memory store. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class OnMemoryStore {
    RedisDiff memory;

    @BeforeAll
    void start(@TempDir Path memoryDir) throws Exception {
      memory = new RedisDiff(memoryDir, "memory");
    }

    @AfterAll
    void stop() throws Exception {
      if (memory != null) {
        memory.close();
      }
    }

    @Test
    void everyListCommandWithItsCommonCases() throws Exception {
      memory.flushAll();
      everyCommand(memory);
    }
  }
}
