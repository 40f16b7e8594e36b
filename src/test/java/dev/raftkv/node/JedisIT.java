package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;

/**
 * Jedis, unchanged, against a real 3-peer cluster. Every case runs through a follower (writes are
 * forwarded to the leader, reads are follower ReadIndex reads) in RESP2 and in RESP3, with the
 * handshake an application configured with a client name and database 0 makes. Add a case per
 * data type as it lands: each is one method taking the connection.
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
}
