package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.verify.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode compared with real Redis 7.0 Cluster: a redis-server started with {@code
 * --cluster-enabled yes} holding every slot (CLUSTER ADDSLOTSRANGE 0 16383), plus a second, slotless
 * one that has met it (to see Redis's MOVED), against a 3-peer raft-kv cluster with
 * {@code raftkv.cluster.enabled=yes}. Slots and error texts must be identical; the CLUSTER replies
 * that describe the topology must have Redis's shape (field names, types, line layout).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterModeCompatIT {
  @TempDir static Path dir;
  static TestCluster cluster;
  static final List<Process> redis = new ArrayList<>();
  static int redisPort;
  static int slotlessPort;
  static RespClient toRedis;
  static RespClient toLeader;
  static RespClient toFollower;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(ClientToolsIT.REDIS_SERVER), "redis-server not installed");
    redisPort = startRedis("a");
    slotlessPort = startRedis("b");
    try (RespClient a = new RespClient("127.0.0.1", redisPort, 2000, 15_000);
        RespClient b = new RespClient("127.0.0.1", slotlessPort, 2000, 15_000)) {
      assertEquals("OK", a.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383"));
      assertEquals("OK", b.call("CLUSTER", "MEET", "127.0.0.1", Integer.toString(redisPort)));
      TestCluster.eventually(Duration.ofSeconds(30), () -> {
        try {
          return String.valueOf(a.call("CLUSTER", "INFO")).contains("cluster_state:ok")
              && ((List<?>) b.call("CLUSTER", "SLOTS")).size() == 1;
        } catch (Exception e) {
          return false;
        }
      }, "the redis-servers form a cluster");
    }
    cluster = new TestCluster(Files.createDirectories(dir.resolve("raftkv")), 3,
        Map.of("raftkv.store", "memory", "raftkv.cluster.enabled", "yes"));
    toRedis = new RespClient("127.0.0.1", redisPort, 2000, 15_000);
    toLeader = new RespClient("127.0.0.1", cluster.redisPorts[cluster.leader()], 2000, 15_000);
    toFollower = new RespClient("127.0.0.1", cluster.redisPorts[cluster.aFollower()], 2000, 15_000);
  }

  private static int startRedis(String name) throws Exception {
    int port = TestCluster.freePort();
    Path d = Files.createDirectories(dir.resolve("redis-" + name));
    redis.add(new ProcessBuilder(ClientToolsIT.REDIS_SERVER.toString(), "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
        "--cluster-config-file", d.resolve("nodes.conf").toString(), "--dir", d.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    RedisDiff.awaitPort(port);
    return port;
  }

  @AfterAll
  static void stop() throws Exception {
    for (RespClient c : new RespClient[] {toRedis, toLeader, toFollower}) {
      if (c != null) {
        c.close();
      }
    }
    if (cluster != null) {
      cluster.close();
    }
    for (Process p : redis) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  private static void same(String... command) throws Exception {
    Object want = toRedis.call(command);
    assertEquals(want, toLeader.call(command), "leader: " + String.join(" ", command));
    assertEquals(want, toFollower.call(command), "follower: " + String.join(" ", command));
  }

  @Test
  void keyslotOfManyKeysIsRedis() throws Exception {
    Random r = new Random(17);
    List<String> keys = new ArrayList<>(List.of("", "foo", "bar", "{user1000}.following",
        "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap", "{bar", "}{", "{}", "a{b}c{d}", "é{ü}"));
    for (int i = 0; i < 300; i++) {
      StringBuilder sb = new StringBuilder();
      int n = r.nextInt(24);
      for (int j = 0; j < n; j++) {
        sb.append("ab{}xyz:019_é".charAt(r.nextInt(13)));
      }
      keys.add(sb.toString());
    }
    for (String k : keys) {
      same("CLUSTER", "KEYSLOT", k);
    }
  }

  @Test
  void errorsAreRedis() throws Exception {
    same("CLUSTER", "FOO");
    same("CLUSTER", "KEYSLOT");
    same("CLUSTER", "INFO", "x");
    same("CLUSTER", "COUNTKEYSINSLOT", "x");
    same("CLUSTER", "COUNTKEYSINSLOT", "16384");
    same("CLUSTER", "COUNTKEYSINSLOT", "-1");
    same("CLUSTER", "GETKEYSINSLOT", "x", "1");
    same("CLUSTER", "GETKEYSINSLOT", "1", "x");
    same("CLUSTER", "GETKEYSINSLOT", "1", "-1");
    same("CLUSTER", "GETKEYSINSLOT", "16384", "1");
    same("CLUSTER");
    same("MSET", "a", "1", "b", "2");
    same("DEL", "a", "b");
    same("WATCH", "a", "b");
    same("EVAL", "return 1", "2", "a", "b");
    same("EVAL_RO", "return 1", "2", "{x}a", "b");
    same("ZUNIONSTORE", "d", "2", "a", "b");
    same("BLMPOP", "0", "2", "a", "b", "LEFT");
    same("READONLY");
    same("READWRITE");
    same("ASKING");
  }

  @Test
  void transactionsSpanningSlotsFailAsInRedis() throws Exception {
    for (RespClient c : new RespClient[] {toRedis, toLeader}) {
      // each command of one slot, the transaction spanning two: CROSSSLOT at EXEC
      assertEquals("OK", c.call("MULTI"));
      assertEquals("QUEUED", c.call("SET", "a", "1"));
      assertEquals("QUEUED", c.call("SET", "b", "1"));
      assertEquals(new RespClient.Error("CROSSSLOT Keys in request don't hash to the same slot"), c.call("EXEC"));
      assertEquals(new RespClient.Error("ERR EXEC without MULTI"), c.call("EXEC"));
      // one command spanning slots: refused when queued, and EXEC aborts
      assertEquals("OK", c.call("MULTI"));
      assertEquals(new RespClient.Error("CROSSSLOT Keys in request don't hash to the same slot"),
          c.call("MSET", "a", "1", "b", "2"));
      assertEquals(new RespClient.Error("EXECABORT Transaction discarded because of previous errors."),
          c.call("EXEC"));
      // one slot: runs
      assertEquals("OK", c.call("MULTI"));
      assertEquals("QUEUED", c.call("SET", "{t}a", "1"));
      assertEquals("QUEUED", c.call("INCR", "{t}b"));
      assertEquals(List.of("OK", 1L), c.call("EXEC"));
      assertEquals(2L, c.call("DEL", "{t}a", "{t}b"));
    }
  }

  @Test
  void movedHasRedisShape() throws Exception {
    try (RespClient slotless = new RespClient("127.0.0.1", slotlessPort, 2000, 15_000)) {
      String want = ((RespClient.Error) slotless.call("SET", "foo", "x")).message();
      String got = ((RespClient.Error) toFollower.call("SET", "foo", "x")).message();
      String pattern = "MOVED 12182 127\\.0\\.0\\.1:\\d+";
      assertTrue(want.matches(pattern), want);
      assertTrue(got.matches(pattern), got);
      assertEquals("MOVED 12182 127.0.0.1:" + cluster.redisPorts[cluster.leader()], got);
      // reads too, until READONLY
      assertEquals(slotless.call("GET", "foo").getClass(), toFollower.call("GET", "foo").getClass());
    }
  }

  @Test
  void keysInSlotCountAndListAsRedis() throws Exception {
    List<String> keys = List.of("{s}1", "{s}2", "{s}3", "{s}4", "{s}5");
    for (String k : keys) {
      toRedis.call("SET", k, "v");
      toLeader.call("SET", k, "v");
    }
    String slot = String.valueOf(toRedis.call("CLUSTER", "KEYSLOT", "s"));
    same("CLUSTER", "COUNTKEYSINSLOT", slot);
    same("CLUSTER", "GETKEYSINSLOT", slot, "0");
    assertEquals(new HashSet<>((List<?>) toRedis.call("CLUSTER", "GETKEYSINSLOT", slot, "10")),
        new HashSet<>((List<?>) toFollower.call("CLUSTER", "GETKEYSINSLOT", slot, "10")));
    assertEquals(3, ((List<?>) toFollower.call("CLUSTER", "GETKEYSINSLOT", slot, "3")).size());
    for (String k : keys) {
      toRedis.call("DEL", k);
      toLeader.call("DEL", k);
    }
  }

  /** Field names of "name:value" lines. */
  private static List<String> fields(Object info) {
    List<String> names = new ArrayList<>();
    for (String line : String.valueOf(info).split("\r\n")) {
      String name = line.substring(0, line.indexOf(':'));
      // per message type counters (ping, pong, meet, ...): Redis lists those it has exchanged
      if (!name.matches("cluster_stats_messages_[a-z]+_(sent|received)")) {
        names.add(name);
      }
    }
    return names;
  }

  @Test
  void clusterInfoHasRedisFields() throws Exception {
    assertEquals(fields(toRedis.call("CLUSTER", "INFO")), fields(toFollower.call("CLUSTER", "INFO")));
    String info = String.valueOf(toFollower.call("CLUSTER", "INFO"));
    assertTrue(info.contains("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"), info);
    assertTrue(info.contains("cluster_known_nodes:3\r\ncluster_size:1\r\n"), info);
    assertTrue(String.valueOf(toFollower.call("INFO", "cluster")).contains("cluster_enabled:1"));
  }

  /**
   * The shape of a reply: integers as "i", strings as "s" unless they are lower-case words (field
   * names and roles: kept), arrays element by element.
   */
  private static String shape(Object reply) {
    if (reply instanceof Long) {
      return "i";
    }
    if (reply instanceof String s) {
      return s.matches("[a-z][a-z-]*") ? s : "s";
    }
    if (reply instanceof List<?> list) {
      StringBuilder sb = new StringBuilder("[");
      for (Object o : list) {
        sb.append(shape(o)).append(' ');
      }
      return sb.append(']').toString();
    }
    return String.valueOf(reply);
  }

  @Test
  void slotsShardsNodesAndMyidHaveRedisShape() throws Exception {
    // CLUSTER SLOTS: one range, master first: [start end [host port id []] ...replicas]
    List<?> want = (List<?>) toRedis.call("CLUSTER", "SLOTS");
    List<?> got = (List<?>) toFollower.call("CLUSTER", "SLOTS");
    assertEquals(1, got.size());
    List<?> range = (List<?>) got.get(0);
    assertEquals(5, range.size(), "range, master and two replicas: " + range);
    assertEquals(shape(((List<?>) want.get(0)).subList(0, 3)), shape(range.subList(0, 3)));
    assertEquals(List.of(0L, 16383L), range.subList(0, 2));
    List<?> master = (List<?>) range.get(2);
    assertEquals(List.of("127.0.0.1", (long) cluster.redisPorts[cluster.leader()]), master.subList(0, 2));
    assertEquals(shape(((List<?>) want.get(0)).get(2)), shape(range.get(3)));

    // CLUSTER SHARDS: the same field names and types for the master; replicas as "replica"
    // (Redis also lists the slotless second server as a shard: take the one with the slots)
    List<?> wantShard = ((List<?>) toRedis.call("CLUSTER", "SHARDS")).stream().map(o -> (List<?>) o)
        .filter(sh -> !((List<?>) sh.get(1)).isEmpty()).findFirst().orElseThrow();
    List<?> gotShard = (List<?>) ((List<?>) toFollower.call("CLUSTER", "SHARDS")).get(0);
    assertEquals(shape(wantShard.subList(0, 3)), shape(gotShard.subList(0, 3)));
    List<?> gotNodes = (List<?>) gotShard.get(3);
    assertEquals(3, gotNodes.size());
    assertEquals(shape(((List<?>) wantShard.get(3)).get(0)), shape(gotNodes.get(0)));
    assertEquals(shape(((List<?>) wantShard.get(3)).get(0)).replace("master", "replica"), shape(gotNodes.get(1)));

    // CLUSTER MYID: 40 hex digits, the leader's own id is the master's in SLOTS
    assertTrue(String.valueOf(toRedis.call("CLUSTER", "MYID")).matches("[0-9a-f]{40}"));
    assertEquals(master.get(2), toLeader.call("CLUSTER", "MYID"));

    // CLUSTER NODES: the leader's own line has Redis's layout
    String redisLine = String.valueOf(toRedis.call("CLUSTER", "NODES")).lines()
        .filter(l -> l.contains("myself")).findFirst().orElseThrow();
    String leaderNodes = String.valueOf(toLeader.call("CLUSTER", "NODES"));
    String line = leaderNodes.lines().filter(l -> l.contains("myself")).findFirst().orElseThrow();
    String layout = "[0-9a-f]{40} [0-9.]*:\\d+@\\d+ myself,master - 0 \\d+ \\d+ connected 0-16383";
    assertTrue(redisLine.matches(layout), redisLine);
    assertTrue(line.matches(layout), line);
    assertEquals(3, leaderNodes.lines().count());
    assertEquals(2, leaderNodes.lines().filter(l -> l.matches(
        "[0-9a-f]{40} [0-9.]+:\\d+@\\d+ slave [0-9a-f]{40} 0 \\d+ \\d+ connected")).count(), leaderNodes);
    assertTrue(leaderNodes.endsWith("\n"));
  }
}
