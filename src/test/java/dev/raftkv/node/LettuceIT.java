package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.ExpireArgs;
import io.lettuce.core.GetExArgs;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LMoveArgs;
import io.lettuce.core.LPosArgs;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lettuce, unchanged, against a real 3-peer cluster through a follower: its default handshake
 * (HELLO 3, so RESP3 replies: maps, sets, doubles, {@code _}) and RESP2 (HELLO refused is not
 * needed: we ask for RESP2 and it sends no HELLO), with a client name and database 0 in the URI,
 * checking what the other two peers see. Covered through Lettuce's typed API: strings, hashes,
 * lists, sets, sorted sets, expiry, SCAN-family iterations continued on other peers, pipelines
 * mixing the types, and MULTI/EXEC/WATCH/DISCARD (results through TransactionResult and futures).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LettuceIT {
  @TempDir static Path dir;
  static TestCluster cluster;
  static RedisClient client;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "memory"));
    client = RedisClient.create();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.shutdown();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static StatefulRedisConnection<String, String> connect(int peer, ProtocolVersion protocol) {
    RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(cluster.redisPorts[peer])
        .withClientName("lettuce-it").withDatabase(0).withTimeout(Duration.ofSeconds(15)).build();
    client.setOptions(ClientOptions.builder().protocolVersion(protocol).build());
    return client.connect(uri);
  }

  @BeforeEach
  void flush() {
    try (StatefulRedisConnection<String, String> c = connect(cluster.leader(), ProtocolVersion.RESP2)) {
      c.sync().flushall();
    }
  }

  /** A connection to every peer: index 0 a follower (where a case sends its commands), then the others. */
  static final class Peers implements AutoCloseable {
    final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    final List<RedisCommands<String, String>> all = new ArrayList<>();

    Peers(ProtocolVersion protocol) {
      int first = cluster.aFollower();
      add(first, protocol);
      for (int i = 0; i < 3; i++) {
        if (i != first) {
          add(i, protocol);
        }
      }
    }

    private void add(int peer, ProtocolVersion protocol) {
      StatefulRedisConnection<String, String> c = connect(peer, protocol);
      connections.add(c);
      all.add(c.sync());
    }

    /** The follower a case works through. */
    RedisCommands<String, String> main() {
      return all.get(0);
    }

    /** The two other peers (the leader and the other follower), which must see the same state. */
    List<RedisCommands<String, String>> others() {
      return all.subList(1, 3);
    }

    @Override
    public void close() {
      connections.forEach(StatefulRedisConnection::close);
    }
  }

  /**
   * Runs a SCAN-family iteration to its end, each call on the next peer in turn (a cursor means
   * the same on every peer), and returns every element seen; requires at least one call per peer.
   */
  static <C extends ScanCursor, T> List<T> scanAcrossPeers(Peers peers,
      BiFunction<RedisCommands<String, String>, ScanCursor, C> call, Function<C, List<T>> items) {
    List<T> seen = new ArrayList<>();
    ScanCursor cursor = ScanCursor.INITIAL;
    int calls = 0;
    do {
      C page = call.apply(peers.all.get(calls % 3), ScanCursor.of(cursor.getCursor()));
      seen.addAll(items.apply(page));
      cursor = page;
      calls++;
      assertTrue(calls < 10_000, "the scan ends");
    } while (!cursor.isFinished());
    assertTrue(calls >= 3, "the scan took " + calls + " calls: too few to visit every peer");
    return seen;
  }

  static void assertError(String prefix, org.junit.jupiter.api.function.Executable call) {
    RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class, call);
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  @Test
  void theDefaultHandshakeIsResp3() {
    client.setOptions(ClientOptions.builder().build());
    RedisURI uri = RedisURI.create("redis://127.0.0.1:" + cluster.redisPorts[cluster.aFollower()] + "/0");
    try (StatefulRedisConnection<String, String> c = client.connect(uri)) {
      RedisCommands<String, String> r = c.sync();
      assertTrue(r.clientInfo().contains(" resp=3 "), r.clientInfo());
      assertNull(r.get("missing"));
      assertEquals("PONG", r.ping());
    }
  }

  /** With Lettuce's default options (HELLO 3): maps, sets and doubles, alone and inside EXEC. */
  @Test
  void theDefaultResp3CarriesMapsSetsAndDoublesThroughTransactions() throws Exception {
    client.setOptions(ClientOptions.builder().build());
    RedisURI uri = RedisURI.create("redis://127.0.0.1:" + cluster.redisPorts[cluster.aFollower()] + "/0");
    try (StatefulRedisConnection<String, String> c = client.connect(uri);
        StatefulRedisConnection<String, String> rival = connect(cluster.leader(), ProtocolVersion.RESP2)) {
      RedisCommands<String, String> r = c.sync();
      RedisAsyncCommands<String, String> a = c.async();
      assertTrue(r.clientInfo().contains(" resp=3 "), r.clientInfo());
      r.hset("h", Map.of("a", "1"));
      r.sadd("s", "x", "y");
      r.zadd("z", 0.25, "m");
      assertEquals(Map.of("a", "1"), r.hgetall("h"));
      assertEquals(Set.of("x", "y"), r.smembers("s"));
      assertEquals(0.25, r.zscore("z", "m"));
      assertEquals(List.of(ScoredValue.just(0.25, "m")), r.zrangeWithScores("z", 0, -1));

      assertEquals("OK", r.watch("z"));
      assertEquals("OK", r.multi());
      RedisFuture<Map<String, String>> hgetall = a.hgetall("h");
      RedisFuture<Set<String>> smembers = a.smembers("s");
      RedisFuture<Double> zscore = a.zscore("z", "m");
      RedisFuture<Double> zincrby = a.zincrby("z", 0.5, "m");
      RedisFuture<List<ScoredValue<String>>> zrange = a.zrangeWithScores("z", 0, -1);
      RedisFuture<Double> none = a.zscore("z", "nope");
      TransactionResult tx = r.exec();
      assertFalse(tx.wasDiscarded());
      assertEquals(Map.of("a", "1"), hgetall.get());
      assertEquals(Set.of("x", "y"), smembers.get());
      assertEquals(0.25, zscore.get());
      assertEquals(0.75, zincrby.get());
      assertEquals(List.of(ScoredValue.just(0.75, "m")), zrange.get());
      assertNull(none.get());

      assertEquals("OK", r.watch("z"));
      rival.sync().zadd("z", 2, "n");
      assertEquals("OK", r.multi());
      a.del("z");
      assertTrue(r.exec().wasDiscarded(), "a null EXEC reply in RESP3 (_) is a discarded transaction");
      assertEquals(2, r.zcard("z"));
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void theHandshakeNamesTheConnectionAndClientCommandsWork(ProtocolVersion protocol) {
    int peer = cluster.aFollower();
    try (StatefulRedisConnection<String, String> admin = connect(peer, ProtocolVersion.RESP2)) {
      assertEquals("OK", admin.sync().configResetstat());
    }
    try (StatefulRedisConnection<String, String> c = connect(peer, protocol)) {
      RedisCommands<String, String> r = c.sync();
      // Lettuce 7 also asks CLIENT MAINT_NOTIFICATIONS (a Redis Enterprise feature); like Redis
      // 7.0 we answer "unknown subcommand" (counted under cmdstat_client) and Lettuce carries on.
      // Every other handshake command must succeed.
      for (String line : r.info("commandstats").split("\r\n")) {
        if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_client:")) {
          assertTrue(line.endsWith("rejected_calls=0,failed_calls=0"), line);
        }
      }
      assertEquals("lettuce-it", r.clientGetname());
      assertEquals("OK", r.clientSetname("renamed"));
      assertEquals("renamed", r.clientGetname());
      String info = r.clientInfo();
      assertTrue(info.contains(" name=renamed ") && info.contains(" lib-name=Lettuce"), info);
      assertTrue(info.contains(" resp=" + (protocol == ProtocolVersion.RESP3 ? 3 : 2) + " "), info);
      assertTrue(r.clientList().contains("id=" + r.clientId() + " "), r.clientList());
      assertEquals("OK", r.select(0));
      assertEquals("hi", r.echo("hi"));
      assertEquals(2, r.time().size());
      assertEquals("0", r.configGet("maxmemory").get("maxmemory"));
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void stringsCountersAndMultiKeyCommands(ProtocolVersion protocol) {
    try (StatefulRedisConnection<String, String> c = connect(cluster.aFollower(), protocol)) {
      RedisCommands<String, String> r = c.sync();
      assertNull(r.get("missing"));
      assertEquals("OK", r.set("k", "v"));
      assertEquals("v", r.get("k"));
      assertEquals(4, r.append("k", "xyz"));
      assertEquals(4, r.strlen("k"));
      assertEquals(1, r.incr("n"));
      assertEquals(11, r.incrby("n", 10));
      assertEquals("OK", r.mset(Map.of("a", "1", "b", "2")));
      List<KeyValue<String, String>> got = r.mget("a", "b", "nope");
      assertEquals("1", got.get(0).getValue());
      assertEquals("2", got.get(1).getValue());
      assertTrue(!got.get(2).hasValue());
      assertEquals(2, r.exists("a", "b", "nope"));
      assertEquals("string", r.type("a"));
      assertEquals(2, r.del("a", "b"));
      assertEquals(2, r.dbsize());
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void expiryIsVisibleOnEveryPeerAndKeysExpire(ProtocolVersion protocol) throws Exception {
    try (StatefulRedisConnection<String, String> c = connect(cluster.aFollower(), protocol)) {
      RedisCommands<String, String> r = c.sync();
      assertEquals("OK", r.set("t", "v", SetArgs.Builder.ex(100)));
      assertTrue(r.ttl("t") > 90);
      assertEquals(-2, r.ttl("nope"));
      assertEquals("OK", r.set("short", "v", SetArgs.Builder.px(300)));
      for (int peer = 0; peer < 3; peer++) {
        try (StatefulRedisConnection<String, String> other = connect(peer, protocol)) {
          assertTrue(other.sync().pttl("t") > 90_000, "peer " + peer);
        }
      }
      TestCluster.eventually(Duration.ofSeconds(10), () -> r.get("short") == null, "the 300 ms key expires");
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void pipelinedCommandsKeepTheirOrder(ProtocolVersion protocol) throws Exception {
    try (StatefulRedisConnection<String, String> c = connect(cluster.aFollower(), protocol)) {
      RedisAsyncCommands<String, String> a = c.async();
      c.setAutoFlushCommands(false);
      List<RedisFuture<?>> all = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        all.add(a.set("p" + i, Integer.toString(i)));
      }
      List<RedisFuture<String>> gets = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        gets.add(a.get("p" + i));
      }
      List<RedisFuture<String>> alternating = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        all.add(a.set("same", "v" + i));
        alternating.add(a.get("same"));
      }
      RedisFuture<Long> n = a.incrby("counter", 500);
      c.flushCommands();
      all.addAll(gets);
      all.addAll(alternating);
      all.add(n);
      assertTrue(LettuceFutures.awaitAll(Duration.ofSeconds(60), all.toArray(new RedisFuture[0])));
      c.setAutoFlushCommands(true);
      for (int i = 0; i < 200; i++) {
        assertEquals(Integer.toString(i), gets.get(i).get());
      }
      for (int i = 0; i < 5; i++) {
        assertEquals("v" + i, alternating.get(i).get(), "the GET sees the SET just before it");
      }
      assertEquals(500, n.get());
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void infoHasTheUsualSectionsAndTheRaftSection(ProtocolVersion protocol) {
    try (StatefulRedisConnection<String, String> c = connect(cluster.aFollower(), protocol)) {
      RedisCommands<String, String> r = c.sync();
      r.set("x", "1");
      assertEquals("1", r.get("x")); // INFO is local: a linearizable read first makes this peer apply the SET
      String info = r.info();
      assertTrue(info.contains("loading:0") && info.contains("raft_role:follower"), info);
      assertTrue(r.info("keyspace").contains("db0:keys=1,expires=0"), r.info("keyspace"));
      assertTrue(r.info("everything").contains("cmdstat_set:calls="), r.info("everything"));
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void hashesThroughTheTypedApi(ProtocolVersion protocol) {
    try (Peers peers = new Peers(protocol)) {
      RedisCommands<String, String> r = peers.main();
      assertEquals(3, r.hset("user", Map.of("name", "ada", "lang", "en", "visits", "1")));
      assertFalse(r.hset("user", "lang", "fr"), "an update adds no field");
      assertEquals("fr", r.hget("user", "lang"));
      assertNull(r.hget("user", "nope"));
      assertNull(r.hget("nokey", "f"));
      assertEquals(11, r.hincrby("user", "visits", 10));
      assertError("ERR hash value is not an integer", () -> r.hincrby("user", "name", 1));
      Map<String, String> user = Map.of("name", "ada", "lang", "fr", "visits", "11");
      assertEquals(user, r.hgetall("user")); // a RESP3 map
      assertEquals(Map.of(), r.hgetall("nokey"));
      assertEquals(Map.of("lang", "fr"), r.hscan("user", ScanArgs.Builder.matches("l*")).getMap());
      r.set("string", "v");
      assertError("WRONGTYPE", () -> r.hget("string", "f"));

      Map<String, String> big = new HashMap<>();
      for (int i = 0; i < 300; i++) {
        big.put("f" + i, "v" + i);
      }
      assertEquals(300, r.hset("big", big));
      Map<String, String> scanned = new HashMap<>();
      scanAcrossPeers(peers, (p, c) -> p.hscan("big", c, ScanArgs.Builder.limit(40)),
          page -> new ArrayList<>(page.getMap().entrySet()))
          .forEach(e -> scanned.put(e.getKey(), e.getValue()));
      assertEquals(big, scanned);
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals(user, other.hgetall("user"));
        assertEquals("v299", other.hget("big", "f299"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void listsThroughTheTypedApi(ProtocolVersion protocol) {
    try (Peers peers = new Peers(protocol)) {
      RedisCommands<String, String> r = peers.main();
      assertEquals(6, r.rpush("l", "a", "b", "c", "d", "e", "c"));
      assertEquals(List.of("a", "b", "c", "d", "e", "c"), r.lrange("l", 0, -1));
      assertEquals(List.of("a", "b"), r.lpop("l", 2));
      assertEquals("c", r.lpop("l"));
      assertNull(r.lpop("nokey"));
      assertEquals(List.of(), r.lpop("nokey", 2), "a nil array, which Lettuce maps to an empty list");
      assertEquals("d", r.lmove("l", "dst", LMoveArgs.Builder.leftRight()));
      assertEquals("c", r.lmove("l", "dst", LMoveArgs.Builder.rightLeft()));
      assertNull(r.lmove("nokey", "dst", LMoveArgs.Builder.leftLeft()));
      assertEquals(List.of("c", "d"), r.lrange("dst", 0, -1));
      assertEquals(5, r.rpush("l", "x", "e", "y", "e")); // e x e y e
      assertEquals(0, r.lpos("l", "e"));
      assertEquals(3, r.lpos("l", "y"));
      assertNull(r.lpos("l", "zz"));
      assertEquals(2, r.lpos("l", "e", LPosArgs.Builder.rank(2)));
      assertNull(r.lpos("l", "y", LPosArgs.Builder.maxlen(3)));
      assertEquals(List.of(0L, 2L, 4L), r.lpos("l", "e", 0));
      assertEquals(List.of(4L, 2L), r.lpos("l", "e", 2, LPosArgs.Builder.rank(-1)));
      assertError("ERR RANK can't be zero", () -> r.lpos("l", "e", LPosArgs.Builder.rank(0)));
      r.set("string", "v");
      assertError("WRONGTYPE", () -> r.lmove("l", "string", LMoveArgs.Builder.leftLeft()));
      assertEquals(5, r.llen("l"), "the failed LMOVE popped nothing");
      assertEquals(List.of("e", "x", "e", "y", "e"), r.lpop("l", 10));
      assertEquals(0, r.exists("l"), "a list popped empty is deleted");
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals(List.of("c", "d"), other.lrange("dst", 0, -1));
        assertEquals(0, other.exists("l"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void setsThroughTheTypedApi(ProtocolVersion protocol) {
    try (Peers peers = new Peers(protocol)) {
      RedisCommands<String, String> r = peers.main();
      assertEquals(5, r.sadd("s1", "a", "b", "c", "d", "e"));
      assertEquals(3, r.sadd("s2", "c", "d", "z"));
      Set<String> s1 = Set.of("a", "b", "c", "d", "e");
      assertEquals(s1, r.smembers("s1")); // a RESP3 set
      assertEquals(Set.of(), r.smembers("nokey"));
      assertEquals(Set.of("c", "d"), r.sinter("s1", "s2"));
      String one = r.spop("s1");
      assertTrue(s1.contains(one), one);
      Set<String> two = r.spop("s1", 2);
      assertEquals(2, two.size());
      assertFalse(two.contains(one));
      Set<String> left = r.smembers("s1");
      Set<String> all = new HashSet<>(left);
      all.add(one);
      all.addAll(two);
      assertEquals(s1, all, "SPOP removes what it returns");
      assertNull(r.spop("nokey"));
      assertEquals(Set.of(), r.spop("nokey", 3));
      r.set("string", "v");
      assertError("WRONGTYPE", () -> r.sinter("s1", "string"));

      Set<String> big = new HashSet<>();
      for (int i = 0; i < 300; i++) {
        big.add("m" + i);
      }
      assertEquals(300, r.sadd("big", big.toArray(new String[0])));
      assertEquals(big, new HashSet<>(scanAcrossPeers(peers,
          (p, c) -> p.sscan("big", c, ScanArgs.Builder.limit(30)), page -> page.getValues())));
      Set<String> m1 = new HashSet<>(scanAcrossPeers(peers,
          (p, c) -> p.sscan("big", c, ScanArgs.Builder.matches("m1*").limit(30)), page -> page.getValues()));
      assertEquals(111, m1.size(), "m1, m10-m19, m100-m199");
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals(left, other.smembers("s1"), "every peer applied the same random SPOP");
        assertEquals(300, other.scard("big"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void sortedSetsThroughTheTypedApi(ProtocolVersion protocol) {
    try (Peers peers = new Peers(protocol)) {
      RedisCommands<String, String> r = peers.main();
      assertEquals(3, r.zadd("z", ScoredValue.just(1, "a"), ScoredValue.just(2.5, "b"), ScoredValue.just(-3, "c")));
      assertEquals(0, r.zadd("z", ZAddArgs.Builder.nx(), 10, "a"), "NX leaves a as it is");
      assertEquals(1.0, r.zscore("z", "a")); // a RESP3 double
      assertEquals(1, r.zadd("z", ZAddArgs.Builder.xx().ch(), 5, "a"), "CH counts the change");
      assertEquals(0, r.zadd("z", ZAddArgs.Builder.gt().ch(), 4, "a"), "GT: 4 is not greater than 5");
      assertEquals(5.0, r.zscore("z", "a"));
      assertNull(r.zscore("z", "nope"));
      assertEquals(2.5 + 0.1, r.zaddincr("z", 0.1, "b"));
      assertNull(r.zaddincr("z", ZAddArgs.Builder.nx(), 1, "b"), "ZADD NX INCR on a member is nil");
      assertEquals(1, r.zadd("z", Double.POSITIVE_INFINITY, "top"));
      assertEquals(Double.POSITIVE_INFINITY, r.zscore("z", "top"));
      assertEquals(List.of(ScoredValue.just(-3, "c"), ScoredValue.just(2.6, "b"), ScoredValue.just(5, "a"),
          ScoredValue.just(Double.POSITIVE_INFINITY, "top")), r.zrangeWithScores("z", 0, -1));
      assertEquals(List.of("b", "a"), r.zrangebyscore("z", Range.create(0, 10)));
      assertEquals(List.of("a", "top"), r.zrangebyscore("z",
          Range.from(Range.Boundary.excluding(2.6), Range.Boundary.unbounded())));
      assertEquals(-1.0, r.zincrby("z", 2, "c"));
      assertEquals(ScoredValue.just(-1, "c"), r.zpopmin("z"));
      assertEquals(List.of(ScoredValue.just(2.6, "b"), ScoredValue.just(5, "a")), r.zpopmin("z", 2));
      assertFalse(r.zpopmin("nokey").hasValue());
      assertEquals(List.of(), r.zpopmin("nokey", 2));
      r.set("string", "v");
      assertError("WRONGTYPE", () -> r.zadd("string", 1, "m"));

      List<ScoredValue<String>> members = new ArrayList<>();
      Map<String, Double> big = new HashMap<>();
      for (int i = 0; i < 300; i++) {
        members.add(ScoredValue.just(i / 4.0, "m" + i));
        big.put("m" + i, i / 4.0);
      }
      @SuppressWarnings("unchecked")
      ScoredValue<String>[] array = members.toArray(new ScoredValue[0]);
      assertEquals(300, r.zadd("big", array));
      Map<String, Double> scanned = new HashMap<>();
      scanAcrossPeers(peers, (p, c) -> p.zscan("big", c, ScanArgs.Builder.limit(30)), page -> page.getValues())
          .forEach(v -> scanned.put(v.getValue(), v.getScore()));
      assertEquals(big, scanned);
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals(List.of(ScoredValue.just(Double.POSITIVE_INFINITY, "top")), other.zrangeWithScores("z", 0, -1));
        assertEquals(74.75, other.zscore("big", "m299"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void expiryCommandsOnEveryType(ProtocolVersion protocol) throws Exception {
    try (Peers peers = new Peers(protocol)) {
      RedisCommands<String, String> r = peers.main();
      r.set("k", "v");
      r.hset("h", "f", "v");
      r.rpush("l", "x");
      r.zadd("z", 1, "m");
      assertTrue(r.expire("k", 100));
      long ttl = r.ttl("k");
      assertTrue(ttl > 85 && ttl <= 100, "ttl " + ttl);
      assertFalse(r.expire("k", 200, ExpireArgs.Builder.nx()), "NX: k already has a deadline");
      assertTrue(r.expire("k", 200, ExpireArgs.Builder.gt()));
      assertFalse(r.expire("nokey", 10));
      long at = System.currentTimeMillis() + 60_000;
      assertTrue(r.pexpireat("h", at));
      assertEquals(at, r.pexpiretime("h"));
      assertTrue(r.hset("h", "g", "w"));
      assertEquals(at, r.pexpiretime("h"), "changing a hash keeps its deadline");
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals(at, other.pexpiretime("h"));
        long t = other.ttl("k");
        assertTrue(t > 185 && t <= 200, "ttl on another peer " + t);
      }
      assertTrue(r.persist("h"));
      assertEquals(-1, r.ttl("h"));
      assertFalse(r.persist("h"), "nothing to persist");
      assertEquals("v", r.getex("k", GetExArgs.Builder.persist()));
      assertEquals(-1, r.ttl("k"));
      assertEquals("v", r.getex("k", GetExArgs.Builder.ex(50)));
      ttl = r.ttl("k");
      assertTrue(ttl > 35 && ttl <= 50, "ttl " + ttl);
      assertNull(r.getex("nokey", GetExArgs.Builder.ex(5)));
      assertError("WRONGTYPE", () -> r.getex("l", GetExArgs.Builder.ex(5)));
      assertTrue(r.pexpireat("l", System.currentTimeMillis() - 1000), "a deadline in the past deletes");
      assertEquals(0, r.exists("l"));
      assertTrue(r.pexpireat("z", System.currentTimeMillis() + 300));
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals(0, other.exists("l"));
        assertEquals(-1, other.ttl("h"));
        TestCluster.eventually(Duration.ofSeconds(10), () -> other.exists("z") == 0, "the sorted set expires");
        assertNull(other.zscore("z", "m"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void scanWithMatchCountAndTypeContinuesOnAnotherPeer(ProtocolVersion protocol) throws Exception {
    try (Peers peers = new Peers(protocol)) {
      RedisAsyncCommands<String, String> a = peers.connections.get(0).async();
      Set<String> all = new HashSet<>();
      List<RedisFuture<?>> writes = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        writes.add(a.set("user:" + i, "v"));
        all.add("user:" + i);
      }
      for (int i = 0; i < 12; i++) {
        writes.add(a.hset("hash:" + i, "f", "v"));
        writes.add(a.rpush("list:" + i, "x"));
        writes.add(a.sadd("set:" + i, "m"));
        writes.add(a.zadd("zset:" + i, 1, "m"));
        all.addAll(List.of("hash:" + i, "list:" + i, "set:" + i, "zset:" + i));
      }
      assertTrue(LettuceFutures.awaitAll(Duration.ofSeconds(60), writes.toArray(new RedisFuture[0])));
      assertEquals(all, new HashSet<>(scanAcrossPeers(peers,
          (p, c) -> p.scan(c, KeyScanArgs.Builder.limit(10)), page -> page.getKeys())));
      Set<String> users1 = new HashSet<>(scanAcrossPeers(peers,
          (p, c) -> p.scan(c, KeyScanArgs.Builder.matches("user:1*").limit(10)), page -> page.getKeys()));
      assertEquals(11, users1.size(), users1.toString());
      Set<String> hashes = new HashSet<>(scanAcrossPeers(peers,
          (p, c) -> p.scan(c, KeyScanArgs.Builder.type("hash").limit(10)), page -> page.getKeys()));
      assertEquals(12, hashes.size(), hashes.toString());
      assertTrue(hashes.stream().allMatch(k -> k.startsWith("hash:")), hashes.toString());
      assertEquals(Set.of("zset:1", "zset:10", "zset:11"), new HashSet<>(scanAcrossPeers(peers,
          (p, c) -> p.scan(c, KeyScanArgs.Builder.type("zset").match("*:1*").limit(10)), page -> page.getKeys())));
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void pipelinesMixingTheTypes(ProtocolVersion protocol) throws Exception {
    try (Peers peers = new Peers(protocol)) {
      StatefulRedisConnection<String, String> c = peers.connections.get(0);
      RedisAsyncCommands<String, String> a = c.async();
      c.setAutoFlushCommands(false);
      List<List<RedisFuture<?>>> rounds = new ArrayList<>();
      List<RedisFuture<?>> all = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        List<RedisFuture<?>> f = new ArrayList<>();
        f.add(a.set("s" + i, "v" + i));
        f.add(a.hset("h" + i, Map.of("a", "1", "b", "2")));
        f.add(a.rpush("l" + i, "x", "y", "z"));
        f.add(a.sadd("set" + i, "m", "n"));
        f.add(a.zadd("z" + i, i + 0.5, "one"));
        f.add(a.hgetall("h" + i));
        f.add(a.lpop("h" + i)); // WRONGTYPE in the middle of the pipeline
        f.add(a.lrange("l" + i, 0, -1));
        f.add(a.smembers("set" + i));
        f.add(a.zrangeWithScores("z" + i, 0, -1));
        f.add(a.zscore("z" + i, "one"));
        f.add(a.hincrby("h" + i, "a", 41));
        f.add(a.lmove("l" + i, "moved" + i, LMoveArgs.Builder.leftRight()));
        f.add(a.expire("set" + i, 100));
        f.add(a.ttl("set" + i));
        f.add(a.type("z" + i));
        f.add(a.get("s" + i));
        rounds.add(f);
        all.addAll(f);
      }
      c.flushCommands();
      for (RedisFuture<?> f : all) { // awaitAll would stop at the first error reply
        f.toCompletableFuture().handle((value, error) -> null).get(60, TimeUnit.SECONDS);
      }
      c.setAutoFlushCommands(true);
      for (int i = 0; i < rounds.size(); i++) {
        List<RedisFuture<?>> f = rounds.get(i);
        assertEquals("OK", f.get(0).get());
        assertEquals(2L, f.get(1).get());
        assertEquals(3L, f.get(2).get());
        assertEquals(2L, f.get(3).get());
        assertEquals(1L, f.get(4).get());
        assertEquals(Map.of("a", "1", "b", "2"), f.get(5).get());
        assertTrue(f.get(6).getError().startsWith("WRONGTYPE"), f.get(6).getError());
        assertEquals(List.of("x", "y", "z"), f.get(7).get());
        assertEquals(Set.of("m", "n"), f.get(8).get());
        assertEquals(List.of(ScoredValue.just(i + 0.5, "one")), f.get(9).get());
        assertEquals(i + 0.5, f.get(10).get());
        assertEquals(42L, f.get(11).get());
        assertEquals("x", f.get(12).get());
        assertEquals(true, f.get(13).get());
        long ttl = (Long) f.get(14).get();
        assertTrue(ttl > 80 && ttl <= 100, "ttl " + ttl);
        assertEquals("zset", f.get(15).get());
        assertEquals("v" + i, f.get(16).get());
      }
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals(List.of("y", "z"), other.lrange("l11", 0, -1));
        assertEquals("42", other.hget("h7", "a"));
        assertEquals(72, other.dbsize(), "6 keys per round");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void multiExecRunsCommandsOfSeveralTypes(ProtocolVersion protocol) throws Exception {
    try (Peers peers = new Peers(protocol)) {
      RedisCommands<String, String> r = peers.main();
      RedisAsyncCommands<String, String> a = peers.connections.get(0).async();
      r.set("n", "10");
      assertEquals("OK", r.multi());
      RedisFuture<Long> incr = a.incr("n");
      RedisFuture<Long> hset = a.hset("h", Map.of("f", "v", "g", "w"));
      RedisFuture<Long> rpush = a.rpush("l", "a", "b");
      RedisFuture<Long> sadd = a.sadd("s", "x", "y");
      RedisFuture<Long> zadd = a.zadd("z", 2.5, "m");
      RedisFuture<Map<String, String>> hgetall = a.hgetall("h");
      RedisFuture<List<String>> lrange = a.lrange("l", 0, -1);
      RedisFuture<Set<String>> smembers = a.smembers("s");
      RedisFuture<Double> zscore = a.zscore("z", "m");
      RedisFuture<List<ScoredValue<String>>> zrange = a.zrangeWithScores("z", 0, -1);
      RedisFuture<String> missing = a.get("missing");
      RedisFuture<Double> zaddincr = a.zaddincr("z", 1, "other");
      RedisFuture<List<ScoredValue<String>>> popped = a.zpopmin("z", 1);
      TransactionResult tx = r.exec();
      assertFalse(tx.wasDiscarded());
      assertEquals(13, tx.size());
      assertEquals(11L, (Long) tx.get(0));
      assertEquals(11L, incr.get());
      assertEquals(2L, hset.get());
      assertEquals(2L, rpush.get());
      assertEquals(2L, sadd.get());
      assertEquals(1L, zadd.get());
      assertEquals(Map.of("f", "v", "g", "w"), hgetall.get()); // in RESP3 a map inside EXEC's array
      assertEquals(Map.of("f", "v", "g", "w"), tx.get(5));
      assertEquals(List.of("a", "b"), lrange.get());
      assertEquals(Set.of("x", "y"), smembers.get());
      assertEquals(2.5, zscore.get());
      assertEquals(List.of(ScoredValue.just(2.5, "m")), zrange.get());
      assertNull(missing.get());
      assertEquals(1.0, zaddincr.get());
      assertEquals(List.of(ScoredValue.just(1, "other")), popped.get());
      assertEquals("11", r.get("n"), "the connection is usable again after EXEC");
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals("11", other.get("n"));
        assertEquals(Set.of("x", "y"), other.smembers("s"));
        assertEquals(2.5, other.zscore("z", "m"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void watchAbortsExecWhenAnotherConnectionChangesTheKey(ProtocolVersion protocol) {
    try (Peers peers = new Peers(protocol)) {
      RedisCommands<String, String> r = peers.main();
      RedisCommands<String, String> rival = peers.all.get(2); // the other follower
      r.set("balance", "100");
      r.zadd("board", 1, "ada");

      assertEquals("OK", r.watch("balance", "board"));
      long balance = Long.parseLong(r.get("balance"));
      rival.zincrby("board", 1, "ada"); // a watched sorted set changes on another peer
      assertEquals("OK", r.multi());
      r.set("balance", Long.toString(balance - 30));
      r.sadd("log", "withdrew 30");
      TransactionResult aborted = r.exec();
      assertTrue(aborted.wasDiscarded(), "EXEC aborted: a watched key changed");
      assertEquals("100", r.get("balance"));
      assertEquals(0, r.exists("log"), "nothing of the aborted transaction was applied");

      assertEquals("OK", r.watch("balance", "board"));
      rival.set("unrelated", "x"); // other keys change: the transaction runs
      assertEquals("OK", r.multi());
      r.decrby("balance", 30);
      r.zadd("board", 5, "bob");
      TransactionResult ran = r.exec();
      assertFalse(ran.wasDiscarded());
      assertEquals(70L, (Long) ran.get(0));
      assertEquals(1L, (Long) ran.get(1));
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals("70", other.get("balance"));
        assertEquals(List.of(ScoredValue.just(2, "ada"), ScoredValue.just(5, "bob")),
            other.zrangeWithScores("board", 0, -1));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void discardDropsTheQueueAndTheWatches(ProtocolVersion protocol) {
    try (Peers peers = new Peers(protocol)) {
      RedisCommands<String, String> r = peers.main();
      RedisCommands<String, String> rival = peers.all.get(1); // the leader
      assertEquals("OK", r.multi());
      r.set("d", "1");
      r.rpush("l", "x");
      assertEquals("OK", r.discard());
      assertEquals(0, r.exists("d", "l"));

      assertEquals("OK", r.watch("w"));
      assertEquals("OK", r.multi());
      r.set("w", "mine");
      assertEquals("OK", r.discard()); // DISCARD also forgets the WATCH
      rival.set("w", "theirs");
      assertEquals("OK", r.multi());
      r.set("w", "mine");
      assertFalse(r.exec().wasDiscarded());
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals("mine", other.get("w"));
        assertEquals(0, other.exists("d", "l"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
  void aRuntimeErrorInsideExecFailsOnlyItsCommand(ProtocolVersion protocol) throws Exception {
    try (Peers peers = new Peers(protocol)) {
      RedisCommands<String, String> r = peers.main();
      RedisAsyncCommands<String, String> a = peers.connections.get(0).async();
      r.set("str", "v");
      assertEquals("OK", r.multi());
      RedisFuture<Long> before = a.incr("n");
      RedisFuture<Long> wrongType = a.lpush("str", "x");
      RedisFuture<Double> after = a.zincrby("z", 1.5, "m");
      TransactionResult tx = r.exec();
      assertFalse(tx.wasDiscarded());
      assertEquals(3, tx.size());
      assertEquals(1L, (Long) tx.get(0));
      Object error = tx.get(1);
      assertInstanceOf(RedisCommandExecutionException.class, error);
      assertTrue(((Exception) error).getMessage().startsWith("WRONGTYPE"), error.toString());
      assertEquals(1.5, (Double) tx.get(2));
      assertEquals(1L, before.get());
      assertTrue(wrongType.getError().startsWith("WRONGTYPE"), wrongType.getError());
      assertEquals(1.5, after.get());

      // an error while queueing (here a wrong number of arguments) discards the whole transaction
      assertEquals("OK", r.multi());
      r.set("x", "1");
      r.dispatch(CommandType.SET, new StatusOutput<>(StringCodec.UTF8),
          new CommandArgs<>(StringCodec.UTF8).addKey("onlykey"));
      assertError("EXECABORT Transaction discarded because of previous errors", r::exec);
      assertError("ERR EXEC without MULTI", r::exec);
      assertError("ERR DISCARD without MULTI", r::discard);
      assertEquals(0, r.exists("x"));
      for (RedisCommands<String, String> other : peers.others()) {
        assertEquals("1", other.get("n"));
        assertEquals("v", other.get("str"));
        assertEquals(1.5, other.zscore("z", "m"));
      }
    }
  }
}
