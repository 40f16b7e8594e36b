package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.args.ExpiryOption;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.LPosParams;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.ZAddParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.Tuple;

/**
 * Jedis, unchanged, against a real 3-peer cluster. Every case runs through a follower (writes are
 * forwarded to the leader, reads are follower ReadIndex reads) in RESP2 and in RESP3, with the
 * handshake an application configured with a client name and database 0 makes, and checks what
 * the other two peers see. Covered through Jedis's typed API: strings, hashes, lists, sets, sorted
 * sets, binary data, expiry, SCAN-family iterations continued on other peers, pipelines mixing
 * the types, MULTI/EXEC/WATCH/DISCARD, and Jedis 8's RedisClient (RESP3 by default).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JedisIT {
  @TempDir static Path dir;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "memory"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** What an application's configuration typically asks for: a name, db 0, a protocol. */
  static Jedis connect(int peer, RedisProtocol protocol) {
    return new Jedis(new HostAndPort("127.0.0.1", cluster.redisPorts[peer]),
        DefaultJedisClientConfig.builder().clientName("jedis-it").database(0).protocol(protocol)
            .timeoutMillis(15_000).build());
  }

  @BeforeEach
  void flush() {
    try (Jedis j = connect(cluster.leader(), RedisProtocol.RESP2)) {
      j.flushAll();
    }
  }

  /** A connection to every peer: index 0 a follower (where a case sends its commands), then the others. */
  static final class Peers implements AutoCloseable {
    final Jedis[] all = new Jedis[3];

    Peers(RedisProtocol protocol) {
      int first = cluster.aFollower();
      all[0] = connect(first, protocol);
      int n = 1;
      for (int i = 0; i < 3; i++) {
        if (i != first) {
          all[n++] = connect(i, protocol);
        }
      }
    }

    /** The follower a case works through. */
    Jedis main() {
      return all[0];
    }

    /** The two other peers (the leader and the other follower), which must see the same state. */
    List<Jedis> others() {
      return List.of(all[1], all[2]);
    }

    @Override
    public void close() {
      for (Jedis j : all) {
        j.close();
      }
    }
  }

  /**
   * Runs a SCAN-family iteration to its end, each call on the next peer in turn (a cursor means
   * the same on every peer), and returns every element seen; requires at least one call per peer.
   */
  static <T> List<T> scanAcrossPeers(Peers peers, java.util.function.BiFunction<Jedis, String, ScanResult<T>> call) {
    List<T> seen = new ArrayList<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    int calls = 0;
    do {
      ScanResult<T> page = call.apply(peers.all[calls % 3], cursor);
      seen.addAll(page.getResult());
      cursor = page.getCursor();
      calls++;
      assertTrue(calls < 10_000, "the scan ends");
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    assertTrue(calls >= 3, "the scan took " + calls + " calls: too few to visit every peer");
    return seen;
  }

  static void assertError(String prefix, org.junit.jupiter.api.function.Executable call) {
    JedisDataException e = assertThrows(JedisDataException.class, call);
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void theHandshakeNamesTheConnectionAndClientCommandsWork(RedisProtocol protocol) {
    int peer = cluster.aFollower();
    try (Jedis admin = connect(peer, RedisProtocol.RESP2)) {
      assertEquals("OK", admin.configResetStat());
    }
    try (Jedis j = connect(peer, protocol)) {
      String errors = j.info("errorstats");
      assertTrue(!errors.contains("errorstat_"), "the handshake got error replies: " + errors);
      assertEquals("jedis-it", j.clientGetname());
      assertEquals("OK", j.clientSetname("renamed"));
      assertEquals("renamed", j.clientGetname());
      String list = j.clientList();
      assertTrue(list.contains("id=" + j.clientId() + " ") && list.contains(" name=renamed "), list);
      assertTrue(j.clientInfo().contains(" resp=" + (protocol == RedisProtocol.RESP3 ? 3 : 2) + " "),
          j.clientInfo());
      assertEquals("OK", j.select(0));
      assertEquals("PONG", j.ping());
      assertEquals("hi", j.echo("hi"));
      assertEquals(2, j.time().size());
    }
  }

  @Test
  void jedis8sRedisClientNegotiatesResp3ByItself() {
    int peer = cluster.aFollower();
    try (RedisClient client = RedisClient.create("127.0.0.1", cluster.redisPorts[peer]);
        Jedis admin = connect(peer, RedisProtocol.RESP2)) {
      assertNull(client.get("missing"));
      assertEquals("OK", client.set("k", "v"));
      assertEquals(java.util.Arrays.asList("v", null), client.mget("k", "missing"));
      assertEquals(3, client.incrBy("n", 3));
      try (Pipeline p = client.pipelined()) {
        Response<String> got = p.get("k");
        Response<Long> incr = p.incr("n");
        p.sync();
        assertEquals("v", got.get());
        assertEquals(4, incr.get());
      }
      assertTrue(client.info("server").contains("redis_version:"));
      boolean resp3 = false;
      for (String line : admin.clientList().split("\n")) {
        resp3 |= line.contains(" resp=3 ") && line.contains(" lib-name=jedis");
      }
      assertTrue(resp3, admin.clientList());
    }
  }

  /** Jedis 8's RedisClient (a pooled UnifiedJedis) speaks RESP3 by default: maps, sets and doubles. */
  @Test
  void redisClientInResp3ReadsEveryTypeAndRunsTransactions() {
    try (Peers peers = new Peers(RedisProtocol.RESP2);
        RedisClient client = RedisClient.create("127.0.0.1", cluster.redisPorts[cluster.aFollower()])) {
      assertEquals(2, client.hset("h", Map.of("a", "1", "b", "2")));
      assertEquals(Map.of("a", "1", "b", "2"), client.hgetAll("h"));
      assertEquals(3, client.sadd("s", "x", "y", "z"));
      assertEquals(Set.of("x", "y", "z"), client.smembers("s"));
      assertEquals(Set.of("x", "y", "z"), client.sinter("s", "s"));
      assertEquals(2, client.zadd("z", Map.of("m", 0.5, "n", -1e300)));
      assertEquals(0.5, client.zscore("z", "m"));
      assertEquals(List.of(new Tuple("n", -1e300), new Tuple("m", 0.5)), client.zrangeWithScores("z", 0, -1));
      assertEquals(2.0, client.zincrby("z", 1.5, "m"));
      assertError("ERR resulting score is not a number (NaN)", () -> {
        client.zadd("inf", Double.POSITIVE_INFINITY, "m");
        client.zincrby("inf", Double.NEGATIVE_INFINITY, "m");
      });
      assertEquals(List.of(new Tuple("n", -1e300)), client.zpopmin("z", 1));
      assertEquals(3, client.rpush("l", "a", "b", "a"));
      assertEquals(List.of(0L, 2L), client.lpos("l", "a", LPosParams.lPosParams(), 0));

      AbstractTransaction t = client.multi();
      Response<Map<String, String>> hgetAll = t.hgetAll("h");
      Response<Set<String>> smembers = t.smembers("s");
      Response<Double> zscore = t.zscore("z", "m");
      Response<List<Tuple>> popped = t.zpopmin("z", 5);
      Response<Long> incr = t.hincrBy("h", "a", 9);
      Response<String> wrong = t.lpop("h");
      List<Object> results = t.exec();
      assertEquals(6, results.size());
      assertEquals(Map.of("a", "1", "b", "2"), hgetAll.get());
      assertEquals(Set.of("x", "y", "z"), smembers.get());
      assertEquals(2.0, zscore.get());
      assertEquals(List.of(new Tuple("m", 2.0)), popped.get());
      assertEquals(10L, incr.get());
      assertError("WRONGTYPE", wrong::get);

      AbstractTransaction watching = client.transaction(false);
      assertEquals("OK", watching.watch("h"));
      peers.all[1].hset("h", "c", "3"); // changed on the leader
      watching.multi();
      watching.del("h");
      assertNull(watching.exec(), "EXEC aborted");
      for (Jedis other : peers.all) {
        assertEquals(Map.of("a", "10", "b", "2", "c", "3"), other.hgetAll("h"));
        assertFalse(other.exists("z"), "ZPOPMIN in EXEC emptied the sorted set");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void stringsCountersAndMultiKeyCommands(RedisProtocol protocol) {
    try (Jedis j = connect(cluster.aFollower(), protocol)) {
      assertNull(j.get("missing"));
      assertEquals("OK", j.set("k", "v"));
      assertEquals("v", j.get("k"));
      assertEquals(4, j.append("k", "xyz"));
      assertEquals(4, j.strlen("k"));
      assertEquals(1, j.incr("n"));
      assertEquals(11, j.incrBy("n", 10));
      assertEquals(9, j.decrBy("n", 2));
      assertEquals("OK", j.mset("a", "1", "b", "2"));
      assertEquals(java.util.Arrays.asList("1", "2", null), j.mget("a", "b", "nope"));
      assertEquals(2, j.exists("a", "b", "nope"));
      assertEquals("string", j.type("a"));
      assertEquals(2, j.del("a", "b"));
      assertEquals(2, j.dbSize(), "k and n are left");
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void expiryIsVisibleOnEveryPeerAndKeysExpire(RedisProtocol protocol) throws Exception {
    try (Jedis j = connect(cluster.aFollower(), protocol)) {
      assertEquals("OK", j.set("t", "v", SetParams.setParams().ex(100)));
      long ttl = j.ttl("t");
      assertTrue(ttl > 90 && ttl <= 100, "ttl " + ttl);
      assertTrue(j.pttl("t") > 90_000);
      assertEquals(-2, j.ttl("nope"));
      j.set("forever", "v");
      assertEquals(-1, j.ttl("forever"));
      assertEquals("OK", j.set("short", "v", SetParams.setParams().px(300)));
      for (int peer = 0; peer < 3; peer++) {
        try (Jedis other = connect(peer, protocol)) {
          assertTrue(other.ttl("t") > 90, "peer " + peer);
        }
      }
      TestCluster.eventually(java.time.Duration.ofSeconds(10), () -> j.get("short") == null,
          "the 300 ms key expires");
      assertEquals(-2, j.ttl("short"));
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void pipelinedWritesAndReadsKeepTheirOrder(RedisProtocol protocol) {
    try (Jedis j = connect(cluster.aFollower(), protocol)) {
      Pipeline p = j.pipelined();
      for (int i = 0; i < 200; i++) {
        p.set("p" + i, Integer.toString(i)); // a run of writes: batched into few log entries
      }
      List<Response<String>> gets = new java.util.ArrayList<>();
      for (int i = 0; i < 200; i++) {
        gets.add(p.get("p" + i));
      }
      List<Response<String>> alternating = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        p.set("same", "v" + i);
        alternating.add(p.get("same")); // sees the SET just before it
      }
      Response<Long> n = p.incrBy("counter", 500);
      Response<List<String>> m = p.mget("p0", "p199");
      p.sync();
      for (int i = 0; i < 200; i++) {
        assertEquals(Integer.toString(i), gets.get(i).get());
      }
      for (int i = 0; i < 5; i++) {
        assertEquals("v" + i, alternating.get(i).get());
      }
      assertEquals(500, n.get());
      assertEquals(List.of("0", "199"), m.get());
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void infoHasTheUsualSectionsAndTheRaftSection(RedisProtocol protocol) {
    try (Jedis j = connect(cluster.aFollower(), protocol)) {
      j.set("x", "1");
      assertEquals("1", j.get("x")); // INFO is local: a linearizable read first makes this peer apply the SET
      String info = j.info();
      assertTrue(info.contains("loading:0") && info.contains("redis_version:"), info);
      assertTrue(info.contains("raft_role:follower"), info);
      assertTrue(j.info("keyspace").contains("db0:keys=1,expires=0"), j.info("keyspace"));
      assertEquals("0", j.configGet("maxmemory").get("maxmemory"));
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void hashesThroughTheTypedApi(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      assertEquals(3, j.hset("user", Map.of("name", "ada", "lang", "en", "visits", "1")));
      assertEquals(0, j.hset("user", "lang", "fr"), "an update adds no field");
      assertEquals("fr", j.hget("user", "lang"));
      assertNull(j.hget("user", "nope"));
      assertNull(j.hget("nokey", "f"));
      assertEquals(11, j.hincrBy("user", "visits", 10));
      assertEquals(-89, j.hincrBy("user", "new", -89));
      assertError("ERR hash value is not an integer", () -> j.hincrBy("user", "name", 1));
      Map<String, String> user = Map.of("name", "ada", "lang", "fr", "visits", "11", "new", "-89");
      assertEquals(user, j.hgetAll("user"));
      assertEquals(Map.of(), j.hgetAll("nokey"));
      assertEquals(List.of(Map.entry("lang", "fr")),
          j.hscan("user", "0", new ScanParams().match("l*")).getResult());
      j.set("string", "v");
      assertError("WRONGTYPE", () -> j.hget("string", "f"));
      assertError("WRONGTYPE", () -> j.hset("string", "f", "v"));

      Map<String, String> big = new HashMap<>();
      for (int i = 0; i < 300; i++) {
        big.put("f" + i, "v" + i);
      }
      assertEquals(300, j.hset("big", big));
      Map<String, String> scanned = new HashMap<>();
      scanAcrossPeers(peers, (p, cursor) -> p.hscan("big", cursor, new ScanParams().count(40)))
          .forEach(e -> scanned.put(e.getKey(), e.getValue()));
      assertEquals(big, scanned);
      Set<String> matched = new HashSet<>();
      scanAcrossPeers(peers, (p, cursor) -> p.hscan("big", cursor, new ScanParams().match("f2?").count(40)))
          .forEach(e -> matched.add(e.getKey() + "=" + e.getValue()));
      assertEquals(10, matched.size(), matched.toString());
      assertTrue(matched.contains("f27=v27"), matched.toString());
      for (Jedis other : peers.others()) {
        assertEquals(user, other.hgetAll("user"));
        assertEquals("v299", other.hget("big", "f299"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void listsThroughTheTypedApi(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      assertEquals(6, j.rpush("l", "a", "b", "c", "d", "e", "c"));
      assertEquals(List.of("a", "b", "c", "d", "e", "c"), j.lrange("l", 0, -1));
      assertEquals(List.of("e", "c"), j.lrange("l", -2, 100));
      assertEquals(List.of(), j.lrange("nokey", 0, -1));
      assertEquals(List.of("a", "b"), j.lpop("l", 2));
      assertEquals("c", j.lpop("l"));
      assertNull(j.lpop("nokey"));
      assertNull(j.lpop("nokey", 2), "LPOP with a count on a missing key is a nil array");
      assertEquals("d", j.lmove("l", "dst", ListDirection.LEFT, ListDirection.RIGHT));
      assertEquals("c", j.lmove("l", "dst", ListDirection.RIGHT, ListDirection.LEFT));
      assertNull(j.lmove("nokey", "dst", ListDirection.LEFT, ListDirection.LEFT));
      assertEquals(List.of("c", "d"), j.lrange("dst", 0, -1));
      assertEquals(5, j.rpush("l", "x", "e", "y", "e")); // e x e y e
      assertEquals(0, j.lpos("l", "e"));
      assertEquals(3, j.lpos("l", "y"));
      assertNull(j.lpos("l", "zz"));
      assertEquals(2, j.lpos("l", "e", LPosParams.lPosParams().rank(2)));
      assertEquals(4, j.lpos("l", "e", LPosParams.lPosParams().rank(-1)));
      assertNull(j.lpos("l", "y", LPosParams.lPosParams().maxlen(3)));
      assertEquals(List.of(0L, 2L, 4L), j.lpos("l", "e", LPosParams.lPosParams(), 0));
      assertEquals(List.of(4L, 2L), j.lpos("l", "e", LPosParams.lPosParams().rank(-1), 2));
      assertEquals(List.of(), j.lpos("l", "zz", LPosParams.lPosParams(), 0));
      assertError("ERR RANK can't be zero", () -> j.lpos("l", "e", LPosParams.lPosParams().rank(0)));
      j.set("string", "v");
      assertError("WRONGTYPE", () -> j.rpush("string", "x"));
      assertError("WRONGTYPE", () -> j.lmove("l", "string", ListDirection.LEFT, ListDirection.LEFT));
      assertEquals(5, j.llen("l"), "the failed LMOVE popped nothing");
      assertEquals(List.of("e", "x", "e", "y", "e"), j.lpop("l", 10));
      assertFalse(j.exists("l"), "a list popped empty is deleted");
      for (Jedis other : peers.others()) {
        assertEquals(List.of("c", "d"), other.lrange("dst", 0, -1));
        assertFalse(other.exists("l"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void setsThroughTheTypedApi(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      assertEquals(4, j.sadd("s1", "a", "b", "c", "d"));
      assertEquals(1, j.sadd("s1", "a", "e"));
      assertEquals(3, j.sadd("s2", "c", "d", "z"));
      Set<String> s1 = Set.of("a", "b", "c", "d", "e");
      assertEquals(s1, j.smembers("s1"));
      assertEquals(Set.of(), j.smembers("nokey"));
      assertEquals(Set.of("c", "d"), j.sinter("s1", "s2"));
      assertEquals(Set.of(), j.sinter("s1", "nokey"));
      String one = j.spop("s1");
      assertTrue(s1.contains(one), one);
      Set<String> two = j.spop("s1", 2);
      assertEquals(2, two.size());
      assertFalse(two.contains(one));
      Set<String> left = j.smembers("s1");
      Set<String> all = new HashSet<>(left);
      all.add(one);
      all.addAll(two);
      assertEquals(s1, all, "SPOP removes what it returns");
      assertEquals(2, left.size());
      assertNull(j.spop("nokey"));
      assertEquals(Set.of(), j.spop("nokey", 3));
      j.set("string", "v");
      assertError("WRONGTYPE", () -> j.sadd("string", "x"));
      assertError("WRONGTYPE", () -> j.sinter("s1", "string"));

      Set<String> big = new HashSet<>();
      for (int i = 0; i < 300; i++) {
        big.add("m" + i);
      }
      assertEquals(300, j.sadd("big", big.toArray(new String[0])));
      assertEquals(big, new HashSet<>(scanAcrossPeers(peers, (p, c) -> p.sscan("big", c, new ScanParams().count(30)))));
      Set<String> m1 = new HashSet<>(scanAcrossPeers(peers,
          (p, c) -> p.sscan("big", c, new ScanParams().match("m1*").count(30))));
      assertEquals(111, m1.size(), "m1, m10-m19, m100-m199");
      for (Jedis other : peers.others()) {
        assertEquals(left, other.smembers("s1"), "every peer applied the same random SPOP");
        assertEquals(300, other.scard("big"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void sortedSetsThroughTheTypedApi(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      assertEquals(3, j.zadd("z", Map.of("a", 1.0, "b", 2.5, "c", -3.0)));
      assertEquals(0, j.zadd("z", 10, "a", ZAddParams.zAddParams().nx()), "NX leaves a as it is");
      assertEquals(1.0, j.zscore("z", "a"));
      assertEquals(1, j.zadd("z", 5, "a", ZAddParams.zAddParams().xx().ch()), "CH counts the change");
      assertEquals(0, j.zadd("z", 4, "a", ZAddParams.zAddParams().gt().ch()), "GT: 4 is not greater than 5");
      assertEquals(0, j.zadd("new", 7, "x", ZAddParams.zAddParams().xx()), "XX adds nothing");
      assertFalse(j.exists("new"));
      assertEquals(5.0, j.zscore("z", "a"));
      assertNull(j.zscore("z", "nope"));
      assertNull(j.zscore("nokey", "a"));
      assertEquals(2.5 + 0.1, j.zaddIncr("z", 0.1, "b", ZAddParams.zAddParams()));
      assertNull(j.zaddIncr("z", 1, "b", ZAddParams.zAddParams().nx()), "ZADD NX INCR on a member is nil");
      assertEquals(1, j.zadd("z", Double.POSITIVE_INFINITY, "top"));
      assertEquals(Double.POSITIVE_INFINITY, j.zscore("z", "top"));
      assertEquals(List.of(new Tuple("c", -3.0), new Tuple("b", 2.6), new Tuple("a", 5.0),
          new Tuple("top", Double.POSITIVE_INFINITY)), j.zrangeWithScores("z", 0, -1));
      assertEquals(List.of(new Tuple("a", 5.0)), j.zrangeWithScores("z", 2, 2));
      assertEquals(List.of("b", "a"), j.zrangeByScore("z", 0, 10));
      assertEquals(List.of("a", "top"), j.zrangeByScore("z", "(2.6", "+inf"));
      assertEquals(List.of("c"), j.zrangeByScore("z", "-inf", "0"));
      assertEquals(-1.0, j.zincrby("z", 2, "c"));
      assertEquals(0.5, j.zincrby("fresh", 0.5, "m"), "ZINCRBY creates the set");
      assertError("ERR min or max is not a float", () -> j.zrangeByScore("z", "x", "1"));
      assertEquals(new Tuple("c", -1.0), j.zpopmin("z"));
      assertEquals(List.of(new Tuple("b", 2.6), new Tuple("a", 5.0)), j.zpopmin("z", 2));
      assertNull(j.zpopmin("nokey"));
      assertEquals(List.of(), j.zpopmin("nokey", 2));
      j.set("string", "v");
      assertError("WRONGTYPE", () -> j.zadd("string", 1, "m"));

      Map<String, Double> big = new HashMap<>();
      for (int i = 0; i < 300; i++) {
        big.put("m" + i, i / 4.0);
      }
      assertEquals(300, j.zadd("big", big));
      Map<String, Double> scanned = new HashMap<>();
      scanAcrossPeers(peers, (p, c) -> p.zscan("big", c, new ScanParams().count(30)))
          .forEach(t -> scanned.put(t.getElement(), t.getScore()));
      assertEquals(big, scanned);
      for (Jedis other : peers.others()) {
        assertEquals(List.of(new Tuple("top", Double.POSITIVE_INFINITY)), other.zrangeWithScores("z", 0, -1));
        assertEquals(74.75, other.zscore("big", "m299"));
        assertEquals(List.of("m0", "m1"), other.zrangeByScore("big", 0, 0.25));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void binaryKeysFieldsAndMembersInEveryType(RedisProtocol protocol) {
    byte[] key = {0, (byte) 0xff, '\r', '\n', 'k'};
    byte[] field = {(byte) 0xc3, 0x28, 0, '*'}; // not UTF-8, a NUL and a glob character
    byte[] value = new byte[70_000];
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) i;
    }
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      assertEquals(1, j.hset(key, field, value));
      assertEquals(2, j.rpush(concat(key, "l"), field, value));
      assertEquals(2, j.sadd(concat(key, "s"), field, value));
      assertEquals(2, j.zadd(concat(key, "z"), Map.of(field, 1.0, value, 2.0)));
      for (Jedis p : peers.all) {
        Map<byte[], byte[]> h = p.hgetAll(key);
        assertEquals(1, h.size());
        assertTrue(java.util.Arrays.equals(field, h.keySet().iterator().next()));
        assertTrue(java.util.Arrays.equals(value, p.hget(key, field)));
        List<byte[]> l = p.lrange(concat(key, "l"), 0, -1);
        assertTrue(java.util.Arrays.equals(field, l.get(0)) && java.util.Arrays.equals(value, l.get(1)));
        assertTrue(p.sismember(concat(key, "s"), field));
        assertTrue(p.sismember(concat(key, "s"), value));
        assertEquals(2.0, p.zscore(concat(key, "z"), value));
        List<Tuple> z = p.zrangeWithScores(concat(key, "z"), 0, -1);
        assertTrue(java.util.Arrays.equals(field, z.get(0).getBinaryElement()));
        assertEquals(4, p.scan(ScanParams.SCAN_POINTER_START_BINARY,
            new ScanParams().match(new byte[] {0, '*'}).count(100)).getResult().size());
      }
    }
  }

  private static byte[] concat(byte[] a, String b) {
    byte[] tail = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] r = java.util.Arrays.copyOf(a, a.length + tail.length);
    System.arraycopy(tail, 0, r, a.length, tail.length);
    return r;
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void expiryCommandsOnEveryType(RedisProtocol protocol) throws Exception {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      j.set("k", "v");
      j.hset("h", "f", "v");
      j.rpush("l", "x");
      j.sadd("s", "m");
      assertEquals(1, j.expire("k", 100));
      long ttl = j.ttl("k");
      assertTrue(ttl > 85 && ttl <= 100, "ttl " + ttl);
      assertEquals(0, j.expire("k", 200, ExpiryOption.NX), "NX: k already has a deadline");
      assertEquals(1, j.expire("k", 200, ExpiryOption.GT));
      assertEquals(0, j.expire("k", 300, ExpiryOption.LT));
      assertEquals(0, j.expire("nokey", 10));
      long at = System.currentTimeMillis() + 60_000;
      assertEquals(1, j.pexpireAt("h", at));
      assertEquals(at, j.pexpireTime("h"));
      assertEquals(1, j.hset("h", "g", "w"));
      assertEquals(at, j.pexpireTime("h"), "changing a hash keeps its deadline");
      for (Jedis other : peers.others()) {
        assertEquals(at, other.pexpireTime("h"));
        long t = other.ttl("k");
        assertTrue(t > 185 && t <= 200, "ttl on another peer " + t);
      }
      assertEquals(1, j.persist("h"));
      assertEquals(-1, j.ttl("h"));
      assertEquals(0, j.persist("h"), "nothing to persist");
      assertEquals(0, j.persist("nokey"));
      assertEquals("v", j.getEx("k", GetExParams.getExParams().persist()));
      assertEquals(-1, j.ttl("k"));
      assertEquals("v", j.getEx("k", GetExParams.getExParams().ex(50)));
      ttl = j.ttl("k");
      assertTrue(ttl > 35 && ttl <= 50, "ttl " + ttl);
      assertEquals("v", j.getEx("k", GetExParams.getExParams()), "GETEX without options is GET");
      long pxAt = System.currentTimeMillis() + 30_000;
      assertEquals("v", j.getEx("k", GetExParams.getExParams().pxAt(pxAt)));
      for (Jedis other : peers.others()) {
        assertEquals(pxAt, other.pexpireTime("k"), "GETEX PXAT is applied as given on every peer");
      }
      assertNull(j.getEx("nokey", GetExParams.getExParams().ex(5)));
      assertError("WRONGTYPE", () -> j.getEx("l", GetExParams.getExParams().ex(5)));
      assertError("ERR invalid expire time in 'getex' command",
          () -> j.getEx("k", GetExParams.getExParams().ex(0)));
      assertEquals(1, j.pexpireAt("l", System.currentTimeMillis() - 1000), "a deadline in the past deletes");
      assertFalse(j.exists("l"));
      assertEquals(1, j.pexpireAt("s", System.currentTimeMillis() + 300));
      for (Jedis other : peers.others()) {
        assertFalse(other.exists("l"));
        assertEquals(-1, other.ttl("h"));
        TestCluster.eventually(java.time.Duration.ofSeconds(10), () -> !other.exists("s"), "the set expires");
        assertEquals(Set.of(), other.smembers("s"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void scanWithMatchCountAndTypeContinuesOnAnotherPeer(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      Set<String> all = new HashSet<>();
      Pipeline p = j.pipelined();
      for (int i = 0; i < 60; i++) {
        p.set("user:" + i, "v");
        all.add("user:" + i);
      }
      for (int i = 0; i < 12; i++) {
        p.hset("hash:" + i, "f", "v");
        p.rpush("list:" + i, "x");
        p.sadd("set:" + i, "m");
        p.zadd("zset:" + i, 1, "m");
        all.addAll(List.of("hash:" + i, "list:" + i, "set:" + i, "zset:" + i));
      }
      p.sync();
      assertEquals(all, new HashSet<>(scanAcrossPeers(peers, (c, cursor) -> c.scan(cursor, new ScanParams().count(10)))));
      Set<String> users1 = new HashSet<>(scanAcrossPeers(peers,
          (c, cursor) -> c.scan(cursor, new ScanParams().match("user:1*").count(10))));
      assertEquals(11, users1.size(), users1.toString());
      assertTrue(users1.contains("user:17"));
      assertEquals(Set.of("hash:0", "hash:1", "hash:2", "hash:3", "hash:4", "hash:5", "hash:6", "hash:7", "hash:8",
          "hash:9", "hash:10", "hash:11"),
          new HashSet<>(scanAcrossPeers(peers, (c, cursor) -> c.scan(cursor, new ScanParams().count(10), "hash"))));
      assertEquals(Set.of("zset:1", "zset:10", "zset:11"), new HashSet<>(scanAcrossPeers(peers,
          (c, cursor) -> c.scan(cursor, new ScanParams().match("*:1*").count(10), "zset"))));
      assertEquals(Set.of(), new HashSet<>(scanAcrossPeers(peers,
          (c, cursor) -> c.scan(cursor, new ScanParams().count(10), "stream"))));
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void pipelinesMixingTheTypes(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      Pipeline p = j.pipelined();
      List<List<Response<?>>> rounds = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        List<Response<?>> r = new ArrayList<>();
        r.add(p.set("s" + i, "v" + i));
        r.add(p.hset("h" + i, Map.of("a", "1", "b", "2")));
        r.add(p.rpush("l" + i, "x", "y", "z"));
        r.add(p.sadd("set" + i, "m", "n"));
        r.add(p.zadd("z" + i, i + 0.5, "one"));
        r.add(p.hgetAll("h" + i));
        r.add(p.lpop("h" + i)); // WRONGTYPE in the middle of the pipeline
        r.add(p.lrange("l" + i, 0, -1));
        r.add(p.smembers("set" + i));
        r.add(p.zrangeWithScores("z" + i, 0, -1));
        r.add(p.zscore("z" + i, "one"));
        r.add(p.hincrBy("h" + i, "a", 41));
        r.add(p.lmove("l" + i, "moved" + i, ListDirection.LEFT, ListDirection.RIGHT));
        r.add(p.expire("set" + i, 100));
        r.add(p.ttl("set" + i));
        r.add(p.type("z" + i));
        r.add(p.get("s" + i));
        rounds.add(r);
      }
      p.sync();
      for (int i = 0; i < rounds.size(); i++) {
        List<Response<?>> r = rounds.get(i);
        assertEquals("OK", r.get(0).get());
        assertEquals(2L, r.get(1).get());
        assertEquals(3L, r.get(2).get());
        assertEquals(2L, r.get(3).get());
        assertEquals(1L, r.get(4).get());
        assertEquals(Map.of("a", "1", "b", "2"), r.get(5).get());
        Response<?> wrong = r.get(6);
        assertError("WRONGTYPE", wrong::get);
        assertEquals(List.of("x", "y", "z"), r.get(7).get());
        assertEquals(Set.of("m", "n"), r.get(8).get());
        assertEquals(List.of(new Tuple("one", i + 0.5)), r.get(9).get());
        assertEquals(i + 0.5, r.get(10).get());
        assertEquals(42L, r.get(11).get());
        assertEquals("x", r.get(12).get());
        assertEquals(1L, r.get(13).get());
        long ttl = (Long) r.get(14).get();
        assertTrue(ttl > 80 && ttl <= 100, "ttl " + ttl);
        assertEquals("zset", r.get(15).get());
        assertEquals("v" + i, r.get(16).get());
      }
      for (Jedis other : peers.others()) {
        assertEquals(List.of("y", "z"), other.lrange("l11", 0, -1));
        assertEquals(List.of("x"), other.lrange("moved0", 0, -1));
        assertEquals("42", other.hget("h7", "a"));
        assertEquals(72, other.dbSize(), "6 keys per round");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void multiExecRunsCommandsOfSeveralTypes(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      j.set("n", "10");
      Transaction t = j.multi();
      Response<Long> incr = t.incr("n");
      Response<Long> hset = t.hset("h", "f", "v");
      Response<Long> rpush = t.rpush("l", "a", "b");
      Response<Long> sadd = t.sadd("s", "x", "y");
      Response<Long> zadd = t.zadd("z", 2.5, "m");
      Response<Map<String, String>> hgetAll = t.hgetAll("h");
      Response<List<String>> lrange = t.lrange("l", 0, -1);
      Response<Set<String>> smembers = t.smembers("s");
      Response<Double> zscore = t.zscore("z", "m");
      Response<List<Tuple>> zrange = t.zrangeWithScores("z", 0, -1);
      Response<Long> expire = t.expire("l", 100);
      Response<String> missing = t.get("missing");
      List<Object> results = t.exec();
      assertEquals(12, results.size());
      assertEquals(11L, results.get(0));
      assertEquals(11L, incr.get());
      assertEquals(1L, hset.get());
      assertEquals(2L, rpush.get());
      assertEquals(2L, sadd.get());
      assertEquals(1L, zadd.get());
      assertEquals(Map.of("f", "v"), hgetAll.get());
      assertEquals(List.of("a", "b"), lrange.get());
      assertEquals(Set.of("x", "y"), smembers.get());
      assertEquals(2.5, zscore.get());
      assertEquals(2.5, results.get(8));
      assertEquals(List.of(new Tuple("m", 2.5)), zrange.get());
      assertEquals(1L, expire.get());
      assertNull(missing.get());
      assertNull(results.get(11));
      assertEquals("11", j.get("n"), "the connection is usable again after EXEC");
      for (Jedis other : peers.others()) {
        assertEquals("11", other.get("n"));
        assertEquals(Map.of("f", "v"), other.hgetAll("h"));
        assertEquals(2.5, other.zscore("z", "m"));
        assertTrue(other.ttl("l") > 90);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void watchAbortsExecWhenAnotherConnectionChangesTheKey(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      Jedis rival = peers.all[2]; // the other follower
      j.set("balance", "100");
      j.hset("account", "owner", "ada");

      assertEquals("OK", j.watch("balance", "account"));
      long balance = Long.parseLong(j.get("balance"));
      rival.hset("account", "owner", "bob"); // a watched hash changes on another peer
      Transaction t = j.multi();
      t.set("balance", Long.toString(balance - 30));
      t.sadd("log", "withdrew 30");
      assertNull(t.exec(), "EXEC aborted: a watched key changed");
      assertEquals("100", j.get("balance"));
      assertFalse(j.exists("log"), "nothing of the aborted transaction was applied");

      assertEquals("OK", j.watch("balance"));
      rival.expire("balance", 1000); // only the deadline changes: that is a change too
      t = j.multi();
      t.decrBy("balance", 30);
      assertNull(t.exec());
      assertEquals("100", j.get("balance"));

      assertEquals("OK", j.watch("balance", "account"));
      rival.set("unrelated", "x"); // other keys change: the transaction runs
      rival.rpush("other", "y");
      t = j.multi();
      t.decrBy("balance", 30);
      t.sadd("log", "withdrew 30");
      t.hset("account", "last", "withdrawal");
      assertEquals(List.of(70L, 1L, 1L), t.exec());
      for (Jedis other : peers.others()) {
        assertEquals("70", other.get("balance"));
        assertEquals(Set.of("withdrew 30"), other.smembers("log"));
        assertEquals(Map.of("owner", "bob", "last", "withdrawal"), other.hgetAll("account"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void discardDropsTheQueueAndTheWatches(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      Jedis rival = peers.all[1]; // the leader
      Transaction t = j.multi();
      t.set("d", "1");
      t.rpush("l", "x");
      t.zadd("z", 1, "m");
      assertEquals("OK", t.discard());
      assertNull(j.get("d"));
      assertEquals(0, j.exists("d", "l", "z"));

      assertEquals("OK", j.watch("w"));
      t = j.multi();
      t.set("w", "mine");
      assertEquals("OK", t.discard()); // DISCARD also forgets the WATCH
      rival.set("w", "theirs");
      t = j.multi();
      t.set("w", "mine");
      assertEquals(List.of("OK"), t.exec());
      for (Jedis other : peers.others()) {
        assertEquals("mine", other.get("w"));
        assertEquals(0, other.exists("d", "l", "z"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(RedisProtocol.class)
  void aRuntimeErrorInsideExecFailsOnlyItsCommand(RedisProtocol protocol) {
    try (Peers peers = new Peers(protocol)) {
      Jedis j = peers.main();
      j.set("str", "v");
      Transaction t = j.multi();
      Response<Long> before = t.incr("n");
      Response<Long> wrongType = t.lpush("str", "x");
      Response<Long> notInteger = t.incr("str");
      Response<Double> after = t.zincrby("z", 1.5, "m");
      List<Object> results = t.exec();
      assertEquals(4, results.size());
      assertEquals(1L, results.get(0));
      assertInstanceOf(JedisDataException.class, results.get(1));
      assertTrue(((JedisDataException) results.get(1)).getMessage().startsWith("WRONGTYPE"));
      assertEquals("ERR value is not an integer or out of range",
          ((JedisDataException) results.get(2)).getMessage());
      assertEquals(1.5, results.get(3));
      assertEquals(1L, before.get());
      assertError("WRONGTYPE", wrongType::get);
      assertError("ERR value is not an integer", notInteger::get);
      assertEquals(1.5, after.get());

      // an error while queueing (here a wrong number of arguments) discards the whole transaction
      t = j.multi();
      t.set("x", "1");
      t.sendCommand(redis.clients.jedis.Protocol.Command.SET, "onlykey");
      assertError("EXECABORT", t::exec);
      for (Jedis other : peers.others()) {
        assertEquals("1", other.get("n"));
        assertEquals("v", other.get("str"));
        assertEquals(1.5, other.zscore("z", "m"));
        assertFalse(other.exists("x"));
      }
    }
  }
}
