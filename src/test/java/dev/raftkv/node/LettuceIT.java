package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * (HELLO 3, so RESP3 replies) and RESP2 (HELLO refused is not needed: we ask for RESP2 and it
 * sends no HELLO), with a client name and database 0 in the URI. Add a case per data type as it
 * lands: each is one method taking the sync commands.
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
}
