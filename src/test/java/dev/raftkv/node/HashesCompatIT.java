package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.verify.RespClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Hash commands give redis-server's replies, byte for byte, through a follower. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HashesCompatIT {
  /** Started before the first test, flushed before each, stopped after the last. */
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  /** Every hash command once, with its common edge cases; also run on the memory store. */
  static void everyCommand(RedisDiff d) throws Exception {
    d.script("""
        HSET h f1 v1
        HSET h f2 v2 f3 v3 f1 again
        HGET h f1
        HGET h nofield
        HGET nokey f
        HMSET h f4 v4 f5 v5
        HSETNX h f1 never
        HSETNX h f6 v6
        HSETNX newhash f v
        HMGET h f1 nofield f6
        HMGET nokey a b
        HLEN h
        HLEN nokey
        HEXISTS h f2
        HEXISTS h nofield
        HEXISTS nokey f
        HSTRLEN h f1
        HSTRLEN h nofield
        HSTRLEN nokey f
        HKEYS h
        HVALS h
        HGETALL h
        HKEYS nokey
        HVALS nokey
        HGETALL nokey
        HDEL h f2 f2 nofield f3
        HDEL nokey f
        HGETALL h
        HINCRBY h counter 5
        HINCRBY h counter -7
        HINCRBYFLOAT h float 1.5
        HINCRBYFLOAT h float 0.1
        HINCRBYFLOAT h counter 0.5
        HSCAN h 0
        HSCAN h 0 MATCH f*
        HSCAN h 0 COUNT 1
        HSCAN nokey 0
        HDEL h f1 f4 f5 f6 counter float
        EXISTS h
        TYPE h
        TYPE newhash
        """);
  }

  @Test
  void everyHashCommandWithItsCommonCases() throws Exception {
    everyCommand(diff);
  }

  @Test
  void fieldOrderIsInsertionOrderLikeRedisSmallHashes() throws Exception {
    diff.script("""
        HSET h zebra 1 apple 2 mango 3
        HSET h apple 22 banana 4
        HDEL h zebra
        HSET h zebra 5
        HKEYS h
        HVALS h
        HGETALL h
        HSCAN h 0
        HSCAN h 7 COUNT 1
        HMGET h banana zebra apple
        """);
  }

  @Test
  void wrongTypeBothWays() throws Exception {
    diff.script("""
        SET s string
        RPUSH l a
        HSET s f v
        HMSET s f v
        HSETNX s f v
        HGET s f
        HMGET s f
        HDEL s f
        HLEN s
        HEXISTS s f
        HSTRLEN s f
        HKEYS s
        HVALS s
        HGETALL s
        HINCRBY s f 1
        HINCRBYFLOAT s f 1
        HSCAN s 0
        HSET l f v
        HGET l f
        HSET h f v
        GET h
        LPUSH h x
        LRANGE h 0 -1
        INCR h
        APPEND h x
        STRLEN h
        GET s
        """);
  }

  @Test
  void wrongArityAndSyntax() throws Exception {
    diff.script("""
        HSET h
        HSET h f
        HSET h f v g
        HMSET h f
        HMSET h f v g
        HSETNX h f
        HGET h
        HMGET h
        HDEL h
        HLEN
        HEXISTS h
        HKEYS h x
        HGETALL
        HINCRBY h f
        HINCRBYFLOAT h f
        HSTRLEN h
        HSCAN h
        HGETALL h
        """);
  }

  @Test
  void hincrbyParsesAndOverflowsLikeRedis() throws Exception {
    diff.script("""
        HINCRBY h n notanumber
        HINCRBY h n 1.5
        HINCRBY h n 9223372036854775808
        HINCRBY h n 9223372036854775807
        HINCRBY h n 1
        HGET h n
        HINCRBY h m -9223372036854775808
        HINCRBY h m -1
        HINCRBY h m 9223372036854775807
        HSET h s abc
        HINCRBY h s 1
        HSET h z 007
        HINCRBY h z 1
        HINCRBY h e 0
        HINCRBY h e -0
        HINCRBY h e +1
        HGETALL h
        """);
    diff.same("HSET", "h", "space", " 5");
    diff.same("HINCRBY", "h", "space", "1");
    diff.same("HINCRBY", "h", "n", " 1");
  }

  @Test
  void hincrbyfloatFormatsLikeRedisLongDouble() throws Exception {
    diff.script("""
        HINCRBYFLOAT h f 10.5
        HINCRBYFLOAT h f 0.1
        HINCRBYFLOAT h f -5
        HINCRBYFLOAT h g 3.0e3
        HINCRBYFLOAT h g 1e-3
        HINCRBYFLOAT h tiny 1e-4940
        HINCRBYFLOAT h tie 0.000003814697265625
        HINCRBYFLOAT h pi 3.14159265358979323846264338327950288
        HINCRBYFLOAT h neg -0.0
        HINCRBYFLOAT h negtiny -1e-30
        HINCRBYFLOAT h hex 0x1.8p1
        HINCRBYFLOAT h hex 0X10
        HINCRBYFLOAT h dot .5
        HINCRBYFLOAT h dot 5.
        HINCRBYFLOAT h plus +1e1
        HINCRBYFLOAT h int 9223372036854775807
        HINCRBYFLOAT h int 1
        HINCRBYFLOAT h x notafloat
        HINCRBYFLOAT h x nan
        HINCRBYFLOAT h x inf
        HINCRBYFLOAT h x -Infinity
        HINCRBYFLOAT h x 1e5000
        HINCRBYFLOAT h x 1e-5000
        HINCRBYFLOAT h x 1e
        HINCRBYFLOAT h x 0x
        HINCRBYFLOAT h x 1_0
        HSET h s abc
        HINCRBYFLOAT h s 1
        HSET h i inf
        HINCRBYFLOAT h i 1
        HSET h n 12
        HINCRBYFLOAT h n 0.25
        HGETALL h
        HINCRBYFLOAT long big 1e300
        HINCRBYFLOAT long big 1e300
        HINCRBYFLOAT long huge 1e4932
        HINCRBYFLOAT long huge 1e4932
        HINCRBYFLOAT long huge -1e4932
        HGET long big
        HGET long huge
        HSTRLEN long huge
        """);
    diff.same("HINCRBYFLOAT", "h", "x", " 1");
    diff.same("HINCRBYFLOAT", "h", "x", "1 ");
    diff.same("HINCRBYFLOAT", "h", "x", "");
    diff.same("HSET", "h", "lead", " 2");
    diff.same("HINCRBYFLOAT", "h", "lead", "1");
  }

  @Test
  void hincrbyfloatAccumulatesIdenticallyOverManySteps() throws Exception {
    String[] steps = {"0.1", "-0.7", "1e-5", "3.3333333333333333", "123456.789", "-1e10", "7e-19",
        "0.3", "2.5e-3", "99999999999.99999", "-0.000001", "1.1"};
    for (int round = 0; round < 5; round++) {
      for (String s : steps) {
        diff.same("HINCRBYFLOAT", "acc", "f", s);
      }
    }
    diff.same("HGET", "acc", "f");
  }

  @Test
  void anEmptiedHashIsDeleted() throws Exception {
    diff.script("""
        HSET h a 1 b 2
        HDEL h a
        TTL h
        HSET h c 3
        HINCRBY h n 1
        HINCRBYFLOAT h x 1.5
        HDEL h b c n x
        EXISTS h
        TYPE h
        DBSIZE
        HSET h a 1
        HGETALL h
        SET h string
        GET h
        """);
  }

  @Test
  void emptyStringsAndBinaryLikeFields() throws Exception {
    diff.same("HSET", "h", "", "empty-field");
    diff.same("HSET", "h", "empty-value", "");
    diff.same("HSET", "h", "with space", "line\r\nbreak");
    diff.same("HGET", "h", "");
    diff.same("HSTRLEN", "h", "empty-value");
    diff.same("HEXISTS", "h", "");
    diff.same("HGETALL", "h");
    diff.same("HSCAN", "h", "0", "MATCH", "*space*");
    diff.same("HDEL", "h", "");
    diff.same("HGETALL", "h");
  }

  @Test
  void hscanCursorAndOptionsLikeRedis() throws Exception {
    diff.script("""
        HSCAN nokey 0 COUNT 0
        HSCAN nokey notacursor
        HSET h a 1 b 2 c 3 ab 4
        HSCAN h 0 COUNT 0
        HSCAN h 0 COUNT -1
        HSCAN h 0 COUNT abc
        HSCAN h 0 MATCH
        HSCAN h 0 FOO bar
        HSCAN h 0 TYPE string
        HSCAN h 0 MATCH a* COUNT 1
        HSCAN h 0 match *b count 100
        HSCAN h 0 MATCH [ab]
        HSCAN h -1
        HSCAN h +5
        HSCAN h 18446744073709551615
        HSCAN h 18446744073709551616
        HSCAN h 1.5
        HSCAN h abc
        """);
    diff.same("HSCAN", "h", "");
    diff.same("HSCAN", "h", " 1");
  }

  @Test
  void largeHashesHoldEveryFieldAndScanCompletelyOnEveryPeer() throws Exception {
    // past 128 fields Redis's order is its hash table's: compare contents, not order
    List<String> cmd = new ArrayList<>(List.of("HSET", "big"));
    for (int i = 0; i < 300; i++) {
      cmd.add("field:" + i);
      cmd.add("value:" + i);
    }
    diff.same(cmd.toArray(new String[0]));
    diff.same("HSET", "long", "f", "x".repeat(65));
    diff.same("HSET", "long", "g", "y");
    diff.same("HLEN", "big");
    diff.same("HGET", "big", "field:299");
    diff.same("HMGET", "big", "field:0", "field:150", "nofield");
    Object[] keys = diff.both("HKEYS", "big");
    assertEquals(new TreeSet<>(asList(keys[0])), new TreeSet<>(asList(keys[1])));
    Object[] all = diff.both("HGETALL", "long");
    assertEquals(new TreeSet<>(asList(all[0])), new TreeSet<>(asList(all[1])));

    TestCluster c = diff.cluster();
    try (RespClient p0 = new RespClient("127.0.0.1", c.redisPorts[0], 2000, 15_000);
        RespClient p1 = new RespClient("127.0.0.1", c.redisPorts[1], 2000, 15_000);
        RespClient p2 = new RespClient("127.0.0.1", c.redisPorts[2], 2000, 15_000)) {
      RespClient[] peers = {p0, p1, p2};
      // the same call gets the same answer on every peer
      for (String cursor : List.of("0", "12345", "4000000000")) {
        Object first = p0.call("HSCAN", "big", cursor, "COUNT", "7");
        assertEquals(first, p1.call("HSCAN", "big", cursor, "COUNT", "7"));
        assertEquals(first, p2.call("HSCAN", "big", cursor, "COUNT", "7"));
      }
      // a full iteration, each call on another peer, while fields come and go: every field
      // present from start to end is returned
      Set<String> seen = new HashSet<>();
      String cursor = "0";
      int calls = 0;
      do {
        RespClient peer = peers[calls % 3];
        List<?> reply = (List<?>) peer.call("HSCAN", "big", cursor, "COUNT", "10");
        cursor = (String) reply.get(0);
        List<?> items = (List<?>) reply.get(1);
        assertTrue(items.size() % 2 == 0);
        for (int i = 0; i < items.size(); i += 2) {
          String field = (String) items.get(i);
          seen.add(field);
          if (field.startsWith("field:")) {
            assertEquals(field.replace("field", "value"), items.get(i + 1));
          }
        }
        // churn: delete fields >= 250 and add new ones while scanning
        peer.call("HDEL", "big", "field:" + (250 + calls));
        peer.call("HSET", "big", "extra:" + calls, "value");
        calls++;
      } while (!cursor.equals("0") && calls < 1000);
      assertTrue(calls > 10, "a large hash is scanned in several calls");
      for (int i = 0; i < 250; i++) {
        assertTrue(seen.contains("field:" + i), "field:" + i + " returned by HSCAN");
      }
      // MATCH filters within the walk
      Set<String> matched = new HashSet<>();
      cursor = "0";
      do {
        List<?> reply = (List<?>) p1.call("HSCAN", "big", cursor, "MATCH", "field:1?", "COUNT", "50");
        cursor = (String) reply.get(0);
        List<?> items = (List<?>) reply.get(1);
        for (int i = 0; i < items.size(); i += 2) {
          matched.add((String) items.get(i));
        }
      } while (!cursor.equals("0"));
      Set<String> expected = new HashSet<>();
      for (int i = 10; i < 20; i++) {
        expected.add("field:" + i);
      }
      assertEquals(expected, matched);
    }
  }

  private static List<?> asList(Object reply) {
    return (List<?>) reply;
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
    void everyHashCommandWithItsCommonCases() throws Exception {
      memory.flushAll();
      everyCommand(memory);
    }
  }
}
