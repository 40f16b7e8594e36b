package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.verify.RespClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** Key and expiry commands give redis-server's replies; SCAN returns what Redis's SCAN returns. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KeysCompatIT {
  /** Started before the first test, flushed before each, stopped after the last. */
  @RegisterExtension static final RedisDiff diff = new RedisDiff("rocksdb");

  @Test
  void delUnlinkExistsType() throws Exception {
    diff.script("""
        MSET a 1 b 2 c 3
        UNLINK a nothing
        DEL b c c
        UNLINK
        DBSIZE
        """);
  }

  @Test
  void debugDigestIsRedisDigestOfTheSameContents() throws Exception {
    // sets, hashes and sorted sets built in different orders, a sorted set past Redis's listpack
    // size (skiplist there), scores printed with %.17g, deadlines, and the whole-keyspace digest
    StringBuilder big = new StringBuilder("ZADD bigz");
    for (int i = 0; i < 200; i++) {
      big.append(' ').append(i * 1.1).append(" m").append(i);
    }
    diff.script("""
        DEBUG DIGEST
        DEBUG DIGEST-VALUE nothing
        SET s hello
        SET n 12345
        RPUSH l a b c 7
        SADD st x y 1 2
        SADD st2 2 y 1 x
        HSET h f1 v1 f2 v2
        HSET h2 f2 v2 f1 v1
        ZADD z 1.5 a 2 b -3.25e-10 c 1e300 d inf e 0.1 f 123456789012345678 g -0 h
        SET e v EX 100
        """ + big + """

        DEBUG DIGEST-VALUE s n l st st2 h h2 z e bigz nothing
        DEBUG DIGEST
        DEBUG DIGEST-VALUE
        DEBUG RELOAD FOO
        DEBUG OBJECT nothing
        DEBUG NOSUCHTHING
        DEL st2 h2
        DEBUG DIGEST
        """);
    // DEBUG OBJECT: the encoding OBJECT ENCODING names (the address and LRU fields are Redis's own)
    diff.script("""
        HSET smallhash foo bar
        OBJECT ENCODING smallhash
        """);
    try (RespClient c = new RespClient("127.0.0.1", diff.raftKvPort(), 2000, 15_000)) {
      Object o = c.call("DEBUG", "OBJECT", "smallhash");
      assertTrue(o.toString().contains(" encoding:listpack "), o.toString());
      assertEquals("OK", c.call("DEBUG", "RELOAD").toString());
      assertEquals("OK", c.call("DEBUG", "SET-ACTIVE-EXPIRE", "1").toString());
    }
    // every peer's store gives the same digest (a linearizable read on each)
    Set<String> digests = new HashSet<>();
    for (int port : diff.cluster().redisPorts) {
      try (RespClient c = new RespClient("127.0.0.1", port, 2000, 15_000)) {
        digests.add(c.call("DEBUG", "DIGEST").toString());
      }
    }
    assertEquals(1, digests.size(), digests.toString());
  }

  @Test
  void dumpPayloadsRestoreOnRedisServerAndOnRaftKv() throws Exception {
    StringBuilder bigList = new StringBuilder("RPUSH bl");
    for (int i = 0; i < 300; i++) {
      bigList.append(' ').append(i % 7 == 0 ? i : "x" + "y".repeat(i));
    }
    diff.script("""
        SET s hello
        SET n -12345
        SET e ""
        RPUSH l a b 127 32767 2147483647 9223372036854775808 0 12 c
        SADD st x y 1 2 -3
        HSET h f1 v1 f2 v2 n 7
        ZADD z 1.5 a 2 b -3.25e-10 c 1e300 d inf e -inf f 0 g
        """ + bigList + "\n");
    try (redis.clients.jedis.Jedis toRedis = new redis.clients.jedis.Jedis("127.0.0.1", diff.redisPort());
        redis.clients.jedis.Jedis toRaftKv = new redis.clients.jedis.Jedis("127.0.0.1", diff.raftKvPort())) {
      for (String k : new String[] {"s", "n", "l", "st", "h", "z", "bl"}) {
        byte[] payload = toRaftKv.dump(k);
        assertNotNull(payload, k);
        assertEquals("OK", toRedis.restore("r:" + k, 0, payload), k);
        assertEquals("OK", toRaftKv.restore("r:" + k, 0, payload), k);
        assertEquals("OK", toRaftKv.restore("t:" + k, 100_000, payload), k);
        assertEquals("OK", toRedis.restore("t:" + k, 100_000, payload), k);
      }
    }
    // each restored value is what redis-server read from raft-kv's payload
    diff.script("""
        DEBUG DIGEST-VALUE r:s r:n r:l r:st r:h r:z r:bl s n l st h z bl
        GET r:s
        LRANGE r:l 0 -1
        HGETALL r:h
        ZRANGE r:z 0 -1 WITHSCORES
        LRANGE r:bl 0 -1
        ~TTL t:z
        ~TTL t:bl
        DUMP nothing
        RESTORE r:s 0 payload
        RESTORE x 0 payload
        RESTORE x -1 payload
        RESTORE x abc payload
        RESTORE x 0 payload FOO
        RESTORE x 0 payload IDLETIME -1
        RESTORE x 0 payload FREQ 256
        RESTORE x 0 payload FREQ 1 IDLETIME 1
        RESTORE x 0 payload IDLETIME
        RESTORE x
        DUMP
        """);
  }

  @Test
  void renameKeepsTheValueAndTheDeadline() throws Exception {
    diff.script("""
        RENAME nothing x
        RENAMENX nothing x
        SET a 1 EX 100
        RENAME a b
        ~TTL b
        GET a
        GET b
        RENAME b b
        RENAMENX b b
        RENAME b b2 b3
        SET c 3
        RENAMENX b c
        RENAMENX b d
        ~TTL d
        RENAME d c
        ~TTL c
        GET c
        TYPE c
        RENAME
        RENAMENX c
        """);
  }

  @Test
  void copy() throws Exception {
    diff.script("""
        COPY nothing x
        SET a 1 EX 100
        COPY a b
        ~TTL b
        GET b
        COPY a b
        SET a 2
        COPY a b REPLACE
        GET b
        ~TTL b
        COPY a a
        COPY a b DB 0 REPLACE
        COPY a b DB 16
        COPY a b DB abc
        COPY a b DB 99999999999
        COPY a b DB -1
        COPY a b DB 1.5
        COPY a b DB
        COPY a b FOO
        COPY a a FOO
        COPY a a DB 0
        COPY a
        """);
  }

  @Test
  void expireWithFlagsAndErrors() throws Exception {
    diff.script("""
        EXPIRE nothing 100
        SET k v
        EXPIRE k 100
        ~TTL k
        PEXPIRE k 200000
        ~TTL k
        EXPIREAT k 4102444800
        EXPIRETIME k
        PEXPIREAT k 4102444800123
        PEXPIRETIME k
        EXPIRETIME k
        EXPIRETIME nothing
        PEXPIRETIME nothing
        PERSIST k
        PERSIST k
        PERSIST nothing
        ~TTL k
        EXPIRETIME k
        EXPIRE k 100 XX
        EXPIRE k 100 GT
        EXPIRE k 100 LT
        ~TTL k
        EXPIRE k 50 NX
        EXPIRE k 50 GT
        EXPIRE k 200 GT
        ~TTL k
        EXPIRE k 300 LT
        EXPIRE k 100 LT
        ~TTL k
        EXPIRE k 150 XX GT
        ~TTL k
        EXPIRE k 150 XX LT
        EXPIRE k 100 NX XX
        EXPIRE k 100 NX GT
        EXPIRE k 100 NX LT
        EXPIRE k 100 GT LT
        EXPIRE k 100 FOO
        EXPIRE k 100 xx gt
        EXPIRE k abc
        EXPIRE k 1.5
        EXPIRE k 9223372036854775807
        EXPIRE k -9223372036854775808
        EXPIRE k 9223372036854775
        PEXPIRE k 9223372036854775807
        EXPIREAT k 9223372036854775807
        PEXPIREAT k 9223372036854775807
        PEXPIRETIME k
        PERSIST k
        EXPIRE k abc FOO
        EXPIRE k
        SET gone v
        EXPIRE gone 0
        EXISTS gone
        SET gone v
        PEXPIRE gone -100
        EXISTS gone
        SET gone v
        EXPIREAT gone 1
        EXISTS gone
        SET gone v EX 100
        EXPIRE gone -1 LT
        EXISTS gone
        SET gone v
        EXPIRE gone -1 GT
        EXISTS gone
        """);
  }

  @Test
  void expiredKeysAreGoneForEveryRead() throws Exception {
    diff.script("""
        SET a 1 PX 50
        SET b 2 PX 50
        """);
    Thread.sleep(200);
    diff.script("""
        GET a
        ~TTL a
        PTTL b
        EXPIRETIME a
        PERSIST b
        RENAME a z
        GETEX a PERSIST
        SET a 1 KEEPTTL
        ~TTL a
        INCR b
        ~TTL b
        """);
    Object[] keys = diff.both("KEYS", "*");
    assertEquals(new TreeSet<>((List<?>) keys[0]), new TreeSet<>((List<?>) keys[1]));
  }

  @Test
  void aClientCannotCallTheInternalExpiryCommand() throws Exception {
    diff.script("""
        SET k v PX 1
        raftkv-expired k
        RAFTKV-EXPIRED
        raftkv-expired k a b c d e f g
        """);
  }

  @Test
  void scanErrors() throws Exception {
    diff.script("""
        SCAN abc
        SCAN 1.5
        SCAN 0x10
        SCAN 18446744073709551616
        SCAN 0 COUNT 0
        SCAN 0 COUNT -1
        SCAN 0 COUNT abc
        SCAN 0 COUNT
        SCAN 0 MATCH
        SCAN 0 TYPE
        SCAN 0 FOO bar
        SCAN 0 COUNT 10 MATCH
        SCAN +
        SCAN -
        SCAN 0 TYPE string MATCH * COUNT 5 FOO
        SCAN
        """);
    // an empty keyspace ends at once, whatever the cursor
    diff.script("""
        SCAN 0
        SCAN 0 COUNT 100 MATCH * TYPE string
        """);
  }

  private static Set<String> fullScan(RespClient c, String... options) throws Exception {
    Set<String> seen = new HashSet<>();
    String cursor = "0";
    int calls = 0;
    do {
      List<String> cmd = new ArrayList<>(List.of("SCAN", cursor));
      cmd.addAll(List.of(options));
      @SuppressWarnings("unchecked")
      List<Object> reply = (List<Object>) c.call(cmd);
      cursor = (String) reply.get(0);
      @SuppressWarnings("unchecked")
      List<Object> keys = (List<Object>) reply.get(1);
      keys.forEach(k -> seen.add((String) k));
      assertTrue(++calls < 100_000, "SCAN does not end");
    } while (!cursor.equals("0"));
    return seen;
  }

  @Test
  void aFullScanReturnsWhatRedisReturns() throws Exception {
    TestCluster cluster = diff.cluster();
    try (RespClient redis = redisClient(); RespClient kv = new RespClient("127.0.0.1",
        cluster.redisPorts[cluster.leader()], 2000, 15_000)) {
      List<String> mset = new ArrayList<>(List.of("MSET"));
      for (int i = 0; i < 700; i++) {
        mset.add("user:" + i);
        mset.add("v" + i);
      }
      diff.same(mset.toArray(new String[0]));
      for (int i = 0; i < 50; i++) {
        diff.same("SET", "gone:" + i, "x", "PX", "1");
      }
      Thread.sleep(50);
      for (String[] options : new String[][] {{}, {"COUNT", "1"}, {"COUNT", "7"}, {"COUNT", "1000"},
          {"MATCH", "user:1*"}, {"MATCH", "*:4?"}, {"TYPE", "string"}, {"TYPE", "STRING"},
          {"TYPE", "string", "MATCH", "user:6*", "COUNT", "3"}, {"TYPE", "nosuchtype"},
          {"MATCH", "gone:*"}}) {
        Set<String> expected = new TreeSet<>(fullScan(redis, options));
        assertEquals(expected, new TreeSet<>(fullScan(kv, options)), () -> "SCAN " + List.of(options));
      }
      assertEquals(700, fullScan(kv).size());
      @SuppressWarnings("unchecked")
      List<Object> keys = (List<Object>) kv.call("KEYS", "*");
      assertEquals(700, keys.size());
      diff.same("EXISTS", "user:0");
    }
  }

  @Test
  void aScanStartedOnOnePeerContinuesOnAnother() throws Exception {
    TestCluster cluster = diff.cluster();
    List<String> mset = new ArrayList<>(List.of("MSET"));
    for (int i = 0; i < 300; i++) {
      mset.add("k" + i);
      mset.add("v");
    }
    diff.same(mset.toArray(new String[0]));
    RespClient[] peers = new RespClient[3];
    try {
      for (int i = 0; i < 3; i++) {
        peers[i] = new RespClient("127.0.0.1", cluster.redisPorts[i], 2000, 15_000);
      }
      Set<String> seen = new HashSet<>();
      String cursor = "0";
      int call = 0;
      do {
        // every call goes to the next peer; meanwhile keys come and go
        @SuppressWarnings("unchecked")
        List<Object> reply = (List<Object>) peers[call % 3].call("SCAN", cursor, "COUNT", "20");
        cursor = (String) reply.get(0);
        @SuppressWarnings("unchecked")
        List<Object> keys = (List<Object>) reply.get(1);
        keys.forEach(k -> seen.add((String) k));
        peers[(call + 1) % 3].call("SET", "new" + call, "x");
        peers[(call + 2) % 3].call("DEL", "k" + (1000 + call));
        call++;
      } while (!cursor.equals("0"));
      for (int i = 0; i < 300; i++) {
        assertTrue(seen.contains("k" + i), "k" + i + " present for the whole scan was returned");
      }
      assertTrue(call >= 15, "COUNT 20 over 300 keys takes many calls, took " + call);
    } finally {
      for (RespClient p : peers) {
        if (p != null) {
          p.close();
        }
      }
    }
  }

  @Test
  void randomkey() throws Exception {
    diff.same("RANDOMKEY");
    diff.same("RANDOMKEY", "x");
    diff.same("SET", "only", "1");
    diff.same("RANDOMKEY");
    diff.script("""
        SET gone v PX 1
        DEL only
        """);
    Thread.sleep(20);
    diff.same("RANDOMKEY");
    for (int i = 0; i < 20; i++) {
      diff.same("SET", "k" + i, "v");
    }
    Set<String> picked = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      Object[] r = diff.both("RANDOMKEY");
      assertNotNull(r[1]);
      assertTrue(((String) r[1]).startsWith("k"), "a live key: " + r[1]);
      picked.add((String) r[1]);
    }
    assertTrue(picked.size() > 3, "random keys: " + picked);
  }

  @Test
  void objectEncodingAndRefcountAreRedisesForTheSameContents() throws Exception {
    String big = "x".repeat(70);
    diff.script("""
        SET small hello
        SET number 12345
        SET shared 42
        SET negative -7
        SET padded 007
        SET long %s
        RPUSH list a b c
        SADD ints 1 2 3 -4
        SADD words 1 two
        ZADD small-z 1 a 2 b
        ZADD big-z 1 %s
        HSET small-h f v
        HSET big-h f %s
        OBJECT ENCODING small
        OBJECT ENCODING number
        OBJECT ENCODING shared
        OBJECT ENCODING negative
        OBJECT ENCODING padded
        OBJECT ENCODING long
        OBJECT ENCODING list
        OBJECT ENCODING ints
        OBJECT ENCODING words
        OBJECT ENCODING small-z
        OBJECT ENCODING big-z
        OBJECT ENCODING small-h
        OBJECT ENCODING big-h
        OBJECT ENCODING nothing
        OBJECT REFCOUNT shared
        OBJECT REFCOUNT number
        OBJECT REFCOUNT small
        OBJECT REFCOUNT nothing
        ~OBJECT IDLETIME small
        OBJECT FREQ small
        OBJECT ENCODING
        OBJECT ENCODING a b
        OBJECT NOPE small
        OBJECT
        MEMORY USAGE nothing
        MEMORY USAGE small SAMPLES x
        MEMORY USAGE small SAMPLES
        MEMORY USAGE small FOO 1
        MEMORY USAGE
        MEMORY NOPE
        MEMORY PURGE
        """.formatted(big, big, big));
    // a set of 513 integers is no intset any more
    String[] add = new String[515];
    add[0] = "SADD";
    add[1] = "many";
    for (int i = 0; i < 513; i++) {
      add[i + 2] = Integer.toString(i);
    }
    diff.same(add);
    diff.same("OBJECT", "ENCODING", "many");
    // MEMORY USAGE is an estimate here: positive for a key, and it grows with the value
    Object[] small = diff.both("MEMORY", "USAGE", "small");
    Object[] large = diff.both("MEMORY", "USAGE", "long");
    assertTrue((Long) small[1] > 0 && (Long) large[1] > (Long) small[1], small[1] + " " + large[1]);
  }

  private static RespClient redisClient() throws Exception {
    return diff.redisClient();
  }
}
