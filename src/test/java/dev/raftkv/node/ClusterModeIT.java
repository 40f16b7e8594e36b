package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Cluster-aware clients, unchanged, against 3 peers with {@code raftkv.cluster.enabled=yes}: every
 * slot is served by the one Raft group, its leader the only master. Each client starts from a
 * follower's address and is redirected to the leader; then leadership is transferred, and the
 * leader is stopped: the clients follow MOVED to the new leader and every acknowledged write is
 * read back.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ClusterModeIT {
  @TempDir Path dir;
  TestCluster cluster;

  private TestCluster start() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "memory", "raftkv.cluster.enabled", "yes"));
    return cluster;
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private int port(int peer) {
    return cluster.redisPorts[peer];
  }

  @Test
  void aFollowerRedirectsKeyedCommandsAndServesReadsAfterReadonly() throws Exception {
    start();
    int leader = cluster.leader();
    int follower = cluster.aFollower();
    try (Jedis f = cluster.client(follower); Jedis l = cluster.client(leader)) {
      JedisDataException moved = assertThrows(JedisDataException.class, () -> f.set("foo", "1"));
      assertEquals("MOVED 12182 127.0.0.1:" + port(leader), moved.getMessage());
      moved = assertThrows(JedisDataException.class, () -> f.get("foo"));
      assertEquals("MOVED 12182 127.0.0.1:" + port(leader), moved.getMessage());
      assertEquals("OK", l.set("foo", "1"));
      // commands without keys run where they arrive
      assertEquals("PONG", f.ping());
      assertEquals(1L, f.dbSize());
      // READONLY: the follower answers reads itself (a linearizable follower read), not writes
      assertEquals("OK", f.readonly());
      assertEquals("1", f.get("foo"));
      assertEquals("OK", l.set("foo", "2"));
      assertEquals("2", f.get("foo"), "a read after a write's reply sees it");
      assertThrows(JedisDataException.class, () -> f.set("foo", "3"));
      assertEquals("OK", f.readwrite());
      assertThrows(JedisDataException.class, () -> f.get("foo"));
      // CLUSTER subcommands answer on every peer with the same view
      for (Jedis j : new Jedis[] {f, l}) {
        List<?> range = (List<?>) j.clusterSlots().get(0);
        assertEquals(List.of(0L, 16383L), range.subList(0, 2));
        assertEquals((long) port(leader), ((List<?>) range.get(2)).get(1), "the leader is the master");
        assertEquals(5, range.size());
      }
      assertTrue(f.clusterNodes().contains("myself,slave"));
      assertTrue(l.clusterNodes().contains("myself,master"));
      assertEquals(1L, f.clusterCountKeysInSlot(12182));
      assertEquals(List.of("foo"), f.clusterGetKeysInSlot(12182, 10));
    }
  }

  @Test
  void clusterModeOffAnswersAsBefore() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "memory"));
    try (Jedis f = cluster.client(cluster.aFollower())) {
      assertEquals("OK", f.set("foo", "1"));
      assertEquals("OK", f.mset("a", "1", "b", "2"));
      JedisDataException e = assertThrows(JedisDataException.class, () -> f.clusterSlots());
      assertEquals("ERR This instance has cluster support disabled", e.getMessage());
      assertTrue(f.info("cluster").contains("cluster_enabled:0"));
      assertEquals("OK", f.readonly());
    }
  }

  /** A cluster-mode memory cluster with this request timeout; returns its leader. */
  private int startWithRequestTimeout(int ms) throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "memory", "raftkv.cluster.enabled", "yes",
        "raftkv.request.timeout-ms", Integer.toString(ms)));
    return cluster.leader();
  }

  /** Waits until this peer's Raft group names no leader (its majority is gone and it has timed out). */
  private void awaitNoLeaderKnownBy(int peer) throws Exception {
    TestCluster.eventually(Duration.ofSeconds(10), () -> {
      try {
        return cluster.nodes[peer].raftServer().getDivision(RaftKvNode.GROUP_ID).getInfo().getLeaderId() == null;
      } catch (java.io.IOException e) {
        return false;
      }
    }, "peer " + peer + " knows no leader");
  }

  @Test
  void duringAnElectionAKeyedCommandWaitsForTheLeaderInsteadOfFailingFast() throws Exception {
    int leader = startWithRequestTimeout(20000);
    int survivor = cluster.aFollower();
    int other = otherThan(leader, survivor);
    try (Jedis s = cluster.client(survivor)) {
      s.readonly(); // (reads then stay on the survivor; the SET below still needs the leader)
      cluster.stop(leader);
      cluster.stop(other);
      awaitNoLeaderKnownBy(survivor);
      // two pipelined commands: the SET waits for a leader, the GET behind it, in order
      long t0 = System.nanoTime();
      java.util.concurrent.CompletableFuture<List<Object>> replies = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        redis.clients.jedis.Pipeline p = s.pipelined();
        p.sendCommand(redis.clients.jedis.Protocol.Command.SET, "foo", "1");
        p.sendCommand(redis.clients.jedis.Protocol.Command.ECHO, "after");
        return p.syncAndReturnAll();
      });
      Thread.sleep(1500);
      assertTrue(!replies.isDone(), "no quick CLUSTERDOWN or TRYAGAIN: " + (replies.isDone() ? replies.join() : ""));
      cluster.start(other);
      List<Object> r = replies.get(30, TimeUnit.SECONDS);
      assertTrue(System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(1500));
      int newLeader = cluster.awaitLeader();
      Object first = r.get(0);
      if (newLeader == survivor) {
        assertEquals("OK", first instanceof byte[] b ? new String(b) : String.valueOf(first));
      } else {
        assertEquals("MOVED 12182 127.0.0.1:" + port(newLeader), ((JedisDataException) first).getMessage());
      }
      assertEquals("after", new String((byte[]) r.get(1)));
    }
  }

  @Test
  void withNoLeaderWithinTheRequestTimeoutTheReplyIsClusterdown() throws Exception {
    int leader = startWithRequestTimeout(2000);
    int survivor = cluster.aFollower();
    cluster.stop(otherThan(leader, survivor));
    cluster.stop(leader);
    // (until its election timeout the survivor still names the stopped leader, and redirects there)
    awaitNoLeaderKnownBy(survivor);
    try (Jedis s = cluster.client(survivor)) {
      long t0 = System.nanoTime();
      JedisDataException e = assertThrows(JedisDataException.class, () -> s.set("foo", "1"));
      assertTrue(e.getMessage().startsWith("CLUSTERDOWN "), e.getMessage());
      assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(1900), "waited the request timeout");
      assertEquals("PONG", s.ping(), "the connection goes on");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the failover drill, for every client

  /** One client's way to write and read a key. */
  private interface Client {
    void set(String key, String value) throws Exception;

    String get(String key) throws Exception;

    /** A client whose SET must answer OK. */
    static Client of(java.util.function.BinaryOperator<String> set, java.util.function.UnaryOperator<String> get) {
      return new Client() {
        @Override
        public void set(String key, String value) {
          assertEquals("OK", set.apply(key, value));
        }

        @Override
        public String get(String key) {
          return get.apply(key);
        }
      };
    }
  }

  /**
   * Writes keys through {@code client} (started from a follower's address), transfers leadership,
   * writes more, stops the leader, writes more; every acknowledged write must then be readable.
   */
  private void failoverDrill(Client client) throws Exception {
    Map<String, String> acked = new LinkedHashMap<>();
    writeAll(client, acked, "before", 30);
    int from = cluster.leader();
    int to = (from + 1) % 3;
    transferLeadership(to);
    writeAll(client, acked, "transferred", 30);
    int leader = cluster.awaitLeader();
    cluster.stop(leader);
    writeAll(client, acked, "stopped", 30);
    for (Map.Entry<String, String> e : acked.entrySet()) {
      assertEquals(e.getValue(), client.get(e.getKey()), e.getKey());
    }
    assertEquals(90, acked.size());
  }

  private static void writeAll(Client client, Map<String, String> acked, String phase, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      String key = phase + ":" + i;
      String value = "v-" + i;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      while (true) {
        try {
          client.set(key, value);
          acked.put(key, value);
          break;
        } catch (Exception e) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError("no acknowledgement for " + key + " in 40 s", e);
          }
          Thread.sleep(100);
        }
      }
    }
  }

  private void transferLeadership(int to) throws Exception {
    int from = cluster.leader();
    try (RaftClient rc = RaftClient.newBuilder().setLeaderId(RaftPeerId.valueOf("n" + (from + 1)))
        .setProperties(RaftKvNode.raftProperties(cluster.config, dir.resolve("admin"), "127.0.0.1", 0))
        .setRaftGroup(RaftKvNode.group(cluster.peers)).setRetryPolicy(RetryPolicies.noRetry()).build()) {
      RaftClientReply r = rc.admin().transferLeadership(RaftPeerId.valueOf("n" + (to + 1)), 10_000);
      assertTrue(r.isSuccess(), String.valueOf(r));
    }
    TestCluster.eventually(Duration.ofSeconds(20), () -> cluster.leader() == to, "n" + (to + 1) + " leads");
  }

  @Test
  void jedisClusterFollowsTheLeaderAfterATransferAndAStop() throws Exception {
    start();
    try (JedisCluster jc = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", port(cluster.aFollower()))),
        DefaultJedisClientConfig.builder().socketTimeoutMillis(15_000).build(), 10, Duration.ofSeconds(40))) {
      assertEquals("OK", jc.set("{t}a", "1"));
      assertEquals("OK", jc.mset("{t}b", "2", "{t}c", "3"));
      assertEquals(List.of("1", "2", "3"), jc.mget("{t}a", "{t}b", "{t}c"));
      failoverDrill(Client.of(jc::set, jc::get));
    }
  }

  @Test
  void lettuceClusterClientFollowsTheLeaderAfterATransferAndAStop() throws Exception {
    start();
    RedisClusterClient client = RedisClusterClient.create(
        RedisURI.builder().withHost("127.0.0.1").withPort(port(cluster.aFollower()))
            .withTimeout(Duration.ofSeconds(15)).build());
    client.setOptions(ClusterClientOptions.builder()
        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
            .enableAllAdaptiveRefreshTriggers().adaptiveRefreshTriggersTimeout(Duration.ofMillis(200))
            .enablePeriodicRefresh(Duration.ofSeconds(1)).build())
        .build());
    try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
      RedisAdvancedClusterCommands<String, String> sync = c.sync();
      assertEquals("OK", sync.set("{t}a", "1"));
      assertEquals(1, c.getPartitions().getPartitionBySlot(0) == null ? 0 : 1);
      assertEquals("127.0.0.1:" + port(cluster.leader()),
          c.getPartitions().getPartitionBySlot(12182).getUri().getHost() + ":"
              + c.getPartitions().getPartitionBySlot(12182).getUri().getPort());
      failoverDrill(Client.of(sync::set, sync::get));
    } finally {
      client.shutdown();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // command-line and Python clients

  private List<String> cli(int peer, String... args) {
    List<String> c = new ArrayList<>(List.of(ClientToolsIT.REDIS_CLI.toString(), "-c", "-h", "127.0.0.1",
        "-p", Integer.toString(port(peer))));
    c.addAll(List.of(args));
    return c;
  }

  /** Runs a process with its output in a file, at most {@code limit}; destroyed through its handle. */
  private String run(Duration limit, List<String> command) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    try {
      assertTrue(p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS), "still running: " + command);
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), command + ":\n" + text);
    return text;
  }

  @Test
  void redisCliFollowsMovedToTheLeaderAndToTheNextOne() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(ClientToolsIT.REDIS_CLI), "redis-cli not installed");
    start();
    int follower = cluster.aFollower();
    Duration limit = Duration.ofSeconds(60);
    assertEquals("OK\n", run(limit, cli(follower, "SET", "foo", "bar")));
    assertEquals("bar\n", run(limit, cli(follower, "GET", "foo")));
    int leader = cluster.leader();
    cluster.stop(leader);
    // redis-cli follows a MOVED once and does not retry: until the followers notice (an election
    // timeout) it would be sent to the stopped leader, as with a failed master in Redis Cluster
    cluster.awaitLeader();
    int survivor = otherThan(leader, cluster.leader());
    assertEquals("OK\n", run(limit, cli(survivor, "SET", "foo", "baz")));
    assertEquals("baz\n", run(limit, cli(otherThan(leader, survivor), "GET", "foo")));
  }

  /** A running peer other than {@code a} and {@code b}, or -1. */
  private int otherThan(int a, int b) {
    for (int i = 0; i < 3; i++) {
      if (i != a && i != b && cluster.nodes[i] != null) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void redisPyRedisClusterWritesAndReadsThroughAFollowerAndAfterTheLeaderStops() throws Exception {
    String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    Assumptions.assumeTrue(probe(python), "python3 with redis.cluster (Debian: python3-redis) is not installed");
    start();
    Path script = Path.of(System.getProperty("raftkv.home", ".")).resolve("src/test/resources/clients/redis_py_cluster.py");
    int follower = cluster.aFollower();
    Duration limit = Duration.ofSeconds(120);
    String w = run(limit, List.of(python, script.toString(), "127.0.0.1", Integer.toString(port(follower)),
        "write", "py", "0", "50"));
    assertTrue(w.contains("acked 50") && w.contains("redis-py cluster: OK"), w);
    int leader = cluster.leader();
    cluster.stop(leader);
    // a new process asks one node for COMMAND at start-up; until the followers notice that the
    // leader is gone they still list it as master, and redis-py 4.3.4 then fails in its own
    // re-initialization (deepcopy of its connection arguments): start it once a leader is back
    cluster.awaitLeader();
    int survivor = otherThan(leader, -1);
    w = run(limit, List.of(python, script.toString(), "127.0.0.1", Integer.toString(port(survivor)),
        "write", "py", "50", "100"));
    assertTrue(w.contains("acked 50") && w.contains("redis-py cluster: OK"), w);
    String r = run(limit, List.of(python, script.toString(), "127.0.0.1", Integer.toString(port(survivor)),
        "read", "py", "0", "100"));
    assertTrue(r.contains("read 100") && r.contains("redis-py cluster: OK"), r);
  }

  @Test
  void ioredisClusterWritesAndReadsThroughAFollowerAndAfterTheLeaderStops() throws Exception {
    Path work = NpmClient.installed(dir.resolve("npm"), "ioredis-cluster",
        List.of("package.json", "package-lock.json", "cluster.js"));
    start();
    int follower = cluster.aFollower();
    NpmClient.Result w = NpmClient.run(work, 120, "node", "cluster.js", "127.0.0.1", Integer.toString(port(follower)),
        "write", "io", "0", "50");
    assertTrue(w.exit() == 0 && w.output().contains("acked 50") && w.output().contains("ioredis cluster: OK"), w.output());
    int leader = cluster.leader();
    cluster.stop(leader);
    // started right after the stop: ioredis retries (MOVED to the stopped leader, refused
    // connections, CLUSTERDOWN) until the new leader answers
    int survivor = otherThan(leader, -1);
    w = NpmClient.run(work, 120, "node", "cluster.js", "127.0.0.1", Integer.toString(port(survivor)),
        "write", "io", "50", "100");
    assertTrue(w.exit() == 0 && w.output().contains("acked 50") && w.output().contains("ioredis cluster: OK"), w.output());
    NpmClient.Result r = NpmClient.run(work, 120, "node", "cluster.js", "127.0.0.1",
        Integer.toString(port(otherThan(leader, survivor))), "read", "io", "0", "100");
    assertTrue(r.exit() == 0 && r.output().contains("read 100") && r.output().contains("ioredis cluster: OK"), r.output());
  }

  private boolean probe(String python) {
    try {
      Process p = new ProcessBuilder(python, "-c", "import redis.cluster").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
