package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Three raft-kv processes (bin/raftkv server), each hosting three Raft groups
 * ({@code raftkv.cluster.groups=3}) with cluster mode on: the slots are split in three ranges,
 * each served by its own group and leader, and a cluster client spreads keys over all of them.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class MultiGroupIT {
  private static final int GROUPS = 3;
  private static final int KEYS = 300;

  @TempDir Path dir;
  private final Process[] procs = new Process[3];
  private final int[] redisPorts = new int[3];
  private final int[] metricsPorts = new int[3];
  private Path peers;

  @AfterEach
  void stopAll() throws Exception {
    for (int i = 0; i < procs.length; i++) {
      stop(i);
    }
  }

  @Test
  void threeGroupsServeTheirSlotRangesAndARestartedPeerLosesNoKey() throws Exception {
    int[] ports = TestCluster.freePorts(9);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      redisPorts[i] = ports[2 * i + 1];
      metricsPorts[i] = ports[6 + i];
      lines.add("n" + (i + 1) + " 127.0.0.1:" + ports[2 * i] + " 127.0.0.1:" + redisPorts[i]);
    }
    peers = dir.resolve("peers.conf");
    Files.write(peers, lines);
    for (int i = 0; i < 3; i++) {
      start(i);
    }
    awaitEveryGroupLed();
    awaitBalanced("at the start");

    List<String> keys = new ArrayList<>();
    Set<Integer> groupsUsed = new HashSet<>();
    for (int k = 0; k < KEYS; k++) {
      String key = "key:" + k;
      keys.add(key);
      groupsUsed.add(groupOfSlot(JedisClusterCRC16.getSlot(key)));
    }
    assertEquals(GROUPS, groupsUsed.size(), "the keys fall in every group");

    try (JedisCluster jc = cluster()) {
      for (String key : keys) {
        assertEquals("OK", jc.set(key, "v-" + key));
      }
      for (String key : keys) {
        assertEquals("v-" + key, jc.get(key));
      }
    }
    // every group's store holds its own slots' keys and only those: DBSIZE (group 0) is not the total
    checkSlotsAndLeaders();
    awaitBalanced("after the writes");
    eachGroupIsVisibleInInfoAdminStatusAndMetrics(keys);
    oneGroupsLeadershipMovesWithAdminTransferLeader(keys);

    // one process stopped (SIGTERM) and started again: no key is lost, every group has a leader
    stop(1);
    try (JedisCluster jc = cluster()) {
      TestCluster.eventually(Duration.ofSeconds(60), () -> {
        try {
          return ("v-" + keys.get(0)).equals(jc.get(keys.get(0)));
        } catch (JedisException e) {
          return false;
        }
      }, "the two remaining peers serve");
      for (String key : keys) {
        assertEquals("v-" + key, jc.get(key), "with n2 stopped");
      }
    }
    start(1);
    awaitEveryGroupLed();
    awaitBalanced("once the restarted n2 has caught up"); // group 1 moved away while n2 was down
    try (JedisCluster jc = cluster()) {
      for (String key : keys) {
        assertEquals("v-" + key, jc.get(key), "after n2's restart");
      }
      assertEquals("OK", jc.set("after-restart", "1"));
    }
    // the restarted peer caught up in every group: its follower reads (READONLY) see every key
    try (Jedis j = new Jedis("127.0.0.1", redisPorts[1], 15_000)) {
      assertEquals("OK", j.readonly());
      TestCluster.eventually(Duration.ofSeconds(30), () -> {
        for (String key : keys) {
          try {
            if (!("v-" + key).equals(j.get(key))) {
              return false;
            }
          } catch (JedisException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("MOVED")) {
              return false;
            }
          }
        }
        return true;
      }, "n2 serves every key of its groups after its restart");
    }
    // a blocked BLPOP on a key of group 2 is woken by a push there; MULTI/EXEC runs in group 1
    String list = keyOfGroup(2, "list:");
    try (JedisCluster blocked = cluster(); JedisCluster jc = cluster()) {
      java.util.concurrent.CompletableFuture<List<String>> popped =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> blocked.blpop(20, list));
      Thread.sleep(500);
      assertEquals(1L, jc.lpush(list, "x"));
      assertEquals(List.of(list, "x"), popped.get(30, TimeUnit.SECONDS));
    }
    String tag = keyOfGroup(1, "tx"); // keys with this hash tag are in group 1
    String a = "{" + tag + "}:a";
    String b = "{" + tag + "}:b";
    assertEquals(1, groupOfSlot(JedisClusterCRC16.getSlot(a)));
    try (Jedis j = new Jedis("127.0.0.1", checkSlotsAndLeaders().get(1), 15_000)) {
      redis.clients.jedis.Transaction t = j.multi();
      t.set(a, "1");
      t.incr(b);
      assertEquals(List.of("OK", 1L), t.exec());
    }
    // DBSIZE, KEYS and SCAN answer for the groups a peer leads, so summed over the masters (as clients
    // and redis-cli --cluster do) they count every key once: 300 keys, a probe per group,
    // after-restart and the transaction's two (the popped list is gone); a script loaded once runs
    // with EVALSHA in every group; FLUSHALL clears all
    long dbsizes = 0;
    long keysListed = 0;
    long scanned = 0;
    long infoKeys = 0;
    for (int port : new java.util.TreeSet<>(checkSlotsAndLeaders())) {
      try (Jedis m = new Jedis("127.0.0.1", port, 15_000)) {
        dbsizes += m.dbSize();
        infoKeys += m.info("keyspace").lines().filter(l -> l.startsWith("db0:keys="))
            .mapToLong(l -> Long.parseLong(l.substring("db0:keys=".length(), l.indexOf(',')))).sum();
        keysListed += m.keys("*").size();
        String cursor = "0";
        do {
          redis.clients.jedis.resps.ScanResult<String> page =
              m.scan(cursor, new redis.clients.jedis.params.ScanParams().count(7));
          scanned += page.getResult().size();
          cursor = page.getCursor();
        } while (!cursor.equals("0"));
      }
    }
    assertEquals(KEYS + GROUPS + 3, scanned, "SCAN summed over the masters");
    assertEquals(KEYS + GROUPS + 3, dbsizes, "DBSIZE summed over the masters");
    assertEquals(KEYS + GROUPS + 3, infoKeys, "INFO keyspace's db0 keys summed over the masters");
    assertEquals(KEYS + GROUPS + 3, keysListed, "KEYS summed over the masters");
    try (Jedis j = new Jedis("127.0.0.1", redisPorts[0], 15_000); JedisCluster jc = cluster()) {
      String raft = j.info("raft");
      assertTrue(raft.contains("raft_groups:3") && raft.contains("raft_group1:role=")
          && raft.contains("raft_group2:role="), raft);
      String sha = j.scriptLoad("return redis.call('GET', KEYS[1])");
      for (int g = 0; g < GROUPS; g++) {
        assertEquals("led", jc.evalsha(sha, 1, keyOfGroup(g)), "EVALSHA in group " + g);
      }
      assertEquals("OK", j.flushAll());
      assertEquals(0L, j.dbSize());
      for (String key : keys) {
        assertEquals(null, jc.get(key), "FLUSHALL cleared every group");
      }
    }
    // groups 1 and 2 were added once, at the first start; the restart recovered them from storage
    for (int g = 1; g < GROUPS; g++) {
      String added = "n2: started Raft group " + g + " ";
      assertEquals(1, log(1).split(java.util.regex.Pattern.quote(added), -1).length - 1,
          "n2 added group " + g + " once, at its first start");
    }
    assertTrue(Files.isDirectory(dir.resolve("n2/groups/g1/db")), "group 1's store is under groups/g1");
    assertTrue(Files.isDirectory(dir.resolve("n2/db")), "group 0 keeps the data dir's own db");

    awaitBalanced("before redis-benchmark");
    redisBenchmarkClusterRunsItsDefaultSuite();

    // a peer that lost its disk (n3: stopped, its data dir deleted, started again) rejoins group 0
    // through its leader and refuses the groups above 0 instead of re-forming them afresh from the
    // peers file (an empty voter could help elect a leader lacking acknowledged writes); the two
    // other peers go on serving every group with every key
    try (JedisCluster jc = cluster()) {
      for (int g = 0; g < GROUPS; g++) {
        assertEquals("OK", jc.set(keyOfGroup(g, "wipe:"), "w" + g));
      }
    }
    stop(2);
    dev.raftkv.util.Dirs.deleteRecursively(dir.resolve("n3"));
    start(2);
    TestCluster.eventually(Duration.ofSeconds(120), () -> {
      try (Jedis j = new Jedis("127.0.0.1", redisPorts[2], 15_000)) {
        j.readonly();
        return "w0".equals(j.get(keyOfGroup(0, "wipe:")));
      } catch (JedisException e) {
        return false;
      }
    }, "the wiped n3 rejoined group 0 and reads its keys");
    try (Jedis j = new Jedis("127.0.0.1", redisPorts[2], 15_000)) {
      j.readonly();
      JedisException refused = org.junit.jupiter.api.Assertions.assertThrows(JedisException.class,
          () -> j.get(keyOfGroup(1, "wipe:")));
      assertTrue(refused.getMessage().startsWith("CLUSTERDOWN n3 serves group 0 only"), refused.getMessage());
      assertEquals(1, log(2).split(java.util.regex.Pattern.quote("n3: started Raft group 1 "), -1).length - 1,
          "n3 formed group 1 once, with the new cluster, and not again after its wipe");
    }
    try (JedisCluster jc = new JedisCluster(Set.of(new HostAndPort("127.0.0.1", redisPorts[0])),
        DefaultJedisClientConfig.builder().socketTimeoutMillis(15_000).build(), 10, Duration.ofSeconds(60))) {
      for (int g = 0; g < GROUPS; g++) {
        assertEquals("w" + g, jc.get(keyOfGroup(g, "wipe:")), "group " + g + " after n3's wipe");
        assertEquals("OK", jc.set(keyOfGroup(g, "after-wipe:"), "a" + g), "group " + g + " takes writes");
      }
    }
  }

  /** The group of a slot for 3 groups. */
  private static int groupOfSlot(int slot) {
    return dev.raftkv.cluster.SlotTable.evenly(GROUPS).group(slot);
  }

  private JedisCluster cluster() {
    Set<HostAndPort> seeds = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      if (procs[i] != null) {
        seeds.add(new HostAndPort("127.0.0.1", redisPorts[i]));
      }
    }
    return new JedisCluster(seeds, DefaultJedisClientConfig.builder().socketTimeoutMillis(15_000).build(),
        10, Duration.ofSeconds(60));
  }

  /**
   * CLUSTER SLOTS on every running peer: three ranges covering 0-16383, one per group, each with
   * the same master on every peer, and that master accepts a write of the range's slots itself
   * (no MOVED): it leads the range's group.
   */
  private List<Integer> checkSlotsAndLeaders() throws Exception {
    List<Integer> masters = null;
    for (int i = 0; i < 3; i++) {
      if (procs[i] == null) {
        continue;
      }
      List<Integer> seen = new ArrayList<>();
      try (Jedis j = new Jedis("127.0.0.1", redisPorts[i], 15_000)) {
        List<Object> slots = j.clusterSlots();
        assertEquals(GROUPS, slots.size(), "one range per group: " + slots);
        long next = 0;
        for (Object o : slots) {
          List<?> range = (List<?>) o;
          assertEquals(next, range.get(0), "ranges are contiguous");
          next = (Long) range.get(1) + 1;
          seen.add(masterPort(range));
        }
        assertEquals(16384L, next, "the ranges cover every slot");
      }
      if (masters == null) {
        masters = seen;
      } else {
        assertEquals(masters, seen, "every peer names the same masters");
      }
    }
    assertNotNull(masters);
    for (int g = 0; g < GROUPS; g++) {
      String key = keyOfGroup(g);
      try (Jedis j = new Jedis("127.0.0.1", masters.get(g), 15_000)) {
        assertEquals("OK", j.set(key, "led"), "the master of group " + g + " serves its writes");
      }
    }
    return masters;
  }

  /** The RESP port of the master of one CLUSTER SLOTS range: [start, end, [host, port, id], ...]. */
  private static int masterPort(List<?> range) {
    return ((Long) ((List<?>) range.get(2)).get(1)).intValue();
  }

  /** A key whose slot is served by group {@code g}. */
  private static String keyOfGroup(int g) {
    return keyOfGroup(g, "probe:");
  }

  /** A key {@code prefix + n} whose slot is served by group {@code g}. */
  private static String keyOfGroup(int g, String prefix) {
    for (int i = 0; ; i++) {
      String k = prefix + i;
      if (groupOfSlot(JedisClusterCRC16.getSlot(k)) == g) {
        return k;
      }
    }
  }

  /**
   * redis-benchmark --cluster (it refuses a cluster with fewer than 2 masters): its default suite,
   * a few requests per test, through the three leaders; every test reports a rate and none an error.
   */
  private void redisBenchmarkClusterRunsItsDefaultSuite() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(ClientToolsIT.REDIS_BENCHMARK), "redis-benchmark not installed");
    Process p = new ProcessBuilder(ClientToolsIT.REDIS_BENCHMARK.toString(), "-h", "127.0.0.1",
        "-p", Integer.toString(redisPorts[0]), "--cluster", "-n", "300", "-c", "5", "-r", "1000", "-q")
        .redirectErrorStream(true).redirectOutput(dir.resolve("bench.txt").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    try {
      assertTrue(p.waitFor(180, TimeUnit.SECONDS), "redis-benchmark --cluster did not finish");
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    String out = Files.readString(dir.resolve("bench.txt"), StandardCharsets.UTF_8).replace('\r', '\n');
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("Cluster has 3 master nodes"), out);
    for (String test : List.of("PING_INLINE", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD",
        "HSET", "SPOP", "ZADD", "ZPOPMIN", "LRANGE_100 (first 100 elements)", "MSET (10 keys)")) {
      assertTrue(out.contains("\n" + test + ": ") && out.contains("requests per second"), test + ": " + out);
    }
    assertFalse(out.toLowerCase(java.util.Locale.ROOT).contains("error"), out);
  }

  /**
   * Per-group observability, with group i led by n(i+1): INFO raft's group lines on every peer,
   * {@code raftkv admin status}'s row per group and peer, and /metrics' per-group samples (label
   * {@code group}), the keys of each group counted in its own store on every peer.
   */
  private void eachGroupIsVisibleInInfoAdminStatusAndMetrics(List<String> keys) throws Exception {
    long[] keysPerGroup = new long[GROUPS];
    for (String key : keys) {
      keysPerGroup[groupOfSlot(JedisClusterCRC16.getSlot(key))]++;
    }
    for (int i = 0; i < 3; i++) {
      try (Jedis j = new Jedis("127.0.0.1", redisPorts[i], 15_000)) {
        String raft = j.info("raft");
        for (int g = 1; g < GROUPS; g++) {
          java.util.regex.Matcher m = java.util.regex.Pattern.compile("raft_group" + g
              + ":role=(\\w+),leader=(n\\d),term=(\\d+),commit=(\\d+),applied=(\\d+)").matcher(raft);
          assertTrue(m.find(), raft);
          assertEquals(g == i ? "leader" : "follower", m.group(1), "n" + (i + 1) + " in group " + g + ": " + raft);
          assertEquals("n" + (g + 1), m.group(2), raft);
          assertTrue(Long.parseLong(m.group(4)) >= Long.parseLong(m.group(5)) || g != i, raft);
        }
      }
    }

    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cl = dev.raftkv.cli.Main.commandLine();
    cl.setOut(new java.io.PrintWriter(out, true));
    int code = cl.execute("admin", "--peers", peers.toString(), "--timeout", "30000", "status");
    String status = out.toString();
    System.out.println("$ raftkv admin status\n" + status);
    assertEquals(0, code, status);
    assertTrue(status.contains("GROUP  ID"), status);
    for (int g = 0; g < GROUPS; g++) {
      for (int i = 0; i < 3; i++) {
        String row = "(?m)^" + g + "\\s+n" + (i + 1) + (g == i ? "\\*\\s+leader" : "\\s+follower")
            + "\\s+n" + (g + 1) + "\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s*$";
        assertTrue(java.util.regex.Pattern.compile(row).matcher(status).find(),
            "admin status has group " + g + "'s row of n" + (i + 1) + ": " + status);
      }
    }

    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (int i = 0; i < 3; i++) {
      int n = i;
      TestCluster.eventually(Duration.ofSeconds(30), () -> {
        try {
          PrometheusText t = PrometheusText.parse(http.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + metricsPorts[n] + "/metrics")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString()).body());
          for (int g = 0; g < GROUPS; g++) {
            String gs = Integer.toString(g);
            if (t.value("raftkv_store_keys", java.util.Map.of("group", gs), -1) < keysPerGroup[g]
                || t.value("raftkv_raft_role", java.util.Map.of("group", gs, "role", g == n ? "leader" : "follower"), -1) != 1
                || t.value("raftkv_raft_leader_ready", java.util.Map.of("group", gs), -1) != (g == n ? 1 : 0)
                || t.value("raftkv_raft_peers", java.util.Map.of("group", gs), -1) != 3
                || t.value("raftkv_raft_applied_index", java.util.Map.of("group", gs), -1) < 1
                || t.value("raftkv_raft_term", java.util.Map.of("group", gs), -1) < 1) {
              return false;
            }
            // the group's Ratis member metrics carry its index too
            if (t.families().stream().filter(f -> f.startsWith("ratis_log_worker_"))
                .flatMap(f -> t.samples(f).stream()).noneMatch(s -> gs.equals(s.labels().get("group")))) {
              return false;
            }
          }
          return true;
        } catch (Exception e) {
          return false;
        }
      }, "n" + (i + 1) + "'s /metrics has every group's store and Raft samples");
    }
  }

  /**
   * {@code raftkv admin transfer-leader --group 2 --to n1}: group 2's leadership moves from n3 to
   * n1 and stays there (n1 is now the group's preferred peer, so leader balance keeps it), the
   * other groups keep their leaders, and the group's keys are served through its new master; then
   * it is moved back to n3 the same way, which the rest of the test expects.
   */
  private void oneGroupsLeadershipMovesWithAdminTransferLeader(List<String> keys) throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = dev.raftkv.cli.Main.commandLine();
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    int code = cl.execute("admin", "--peers", peers.toString(), "--timeout", "30000", "transfer-leader",
        "--group", "2", "--to", "n1");
    assertEquals(0, code, out + "\n" + err);
    assertTrue(out.toString().contains("leader of group 2 is now n1"), out.toString());
    Thread.sleep(5000); // longer than raft.server.rpc.timeout.max: leader balance would have moved it back
    List<Integer> want = List.of(redisPorts[0], redisPorts[1], redisPorts[0]);
    TestCluster.eventually(Duration.ofSeconds(15), () -> {
      try {
        return want.equals(checkSlotsAndLeaders());
      } catch (Exception | AssertionError e) {
        return false;
      }
    }, "group 2 led by n1, the others unchanged, on every peer");
    try (JedisCluster jc = cluster()) {
      for (String key : keys) {
        assertEquals("v-" + key, jc.get(key), "after group 2 moved to n1");
      }
    }
    // errors name the problem: a group that does not exist
    java.io.StringWriter err2 = new java.io.StringWriter();
    picocli.CommandLine bad = dev.raftkv.cli.Main.commandLine();
    bad.setErr(new java.io.PrintWriter(err2, true));
    bad.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
    assertTrue(bad.execute("admin", "--peers", peers.toString(), "transfer-leader", "--group", "7", "--to", "n1") != 0);
    assertTrue(err2.toString().contains("no Raft group 7"), err2.toString());

    picocli.CommandLine back = dev.raftkv.cli.Main.commandLine();
    back.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
    assertEquals(0, back.execute("admin", "--peers", peers.toString(), "--timeout", "30000", "transfer-leader",
        "--group", "2", "--to", "n3"));
    awaitBalanced("after group 2 moved back to n3");
  }

  /**
   * Leader balance: group i prefers the peer at position i of the peers file (Raft priority), so
   * groups 0, 1 and 2 are led by n1, n2 and n3 once those are up to date and the group is idle.
   */
  private void awaitBalanced(String when) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<Integer> masters = null;
    while (System.nanoTime() < deadline) {
      // CLUSTER SLOTS only: a write to each group every look would keep its leader from ever
      // being idle, and Ratis' leader yields to a higher-priority follower only when idle
      try (Jedis j = new Jedis("127.0.0.1", redisPorts[0], 15_000)) {
        masters = new ArrayList<>();
        for (Object o : j.clusterSlots()) {
          masters.add(masterPort((List<?>) o));
        }
        if (masters.get(0) == redisPorts[0] && masters.get(1) == redisPorts[1] && masters.get(2) == redisPorts[2]) {
          checkSlotsAndLeaders(); // and they serve their groups' writes
          return;
        }
      } catch (Exception | AssertionError e) {
        // an election or a transfer under way: look again
      }
      Thread.sleep(500);
    }
    throw new AssertionError("groups 0, 1 and 2 are not led by n1, n2 and n3 " + when + ": masters " + masters
        + ", RESP ports " + java.util.Arrays.toString(redisPorts));
  }

  /** Every group has a leader that serves a write sent straight to it. */
  private void awaitEveryGroupLed() throws InterruptedException {
    TestCluster.eventually(Duration.ofSeconds(90), () -> {
      try {
        checkSlotsAndLeaders();
        return true;
      } catch (Exception | AssertionError e) {
        return false;
      }
    }, "every group has a leader");
  }

  private void start(int i) throws IOException {
    Path root = Path.of("").toAbsolutePath();
    Path jar = root.resolve("target/raft-kv.jar");
    assertTrue(Files.isRegularFile(jar), "run after mvn package: " + jar);
    ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/raftkv").toString(), "server", "--id", "n" + (i + 1),
        "--peers", peers.toString(), "--data-dir", dir.resolve("n" + (i + 1)).toString(),
        "-D", "raftkv.cluster.enabled=yes", "-D", "raftkv.cluster.groups=" + GROUPS,
        "-D", "raftkv.metrics.port=" + metricsPorts[i],
        "-D", "raft.server.rpc.timeout.min=1s", "-D", "raft.server.rpc.timeout.max=2s")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("n" + (i + 1) + ".log").toFile()));
    pb.environment().put("RAFTKV_NO_BUILD", "1");
    pb.environment().put("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC");
    procs[i] = pb.start();
  }

  private void stop(int i) throws Exception {
    Process p = procs[i];
    if (p == null) {
      return;
    }
    procs[i] = null;
    p.destroy(); // SIGTERM: a clean stop
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private String log(int i) throws IOException {
    return Files.readString(dir.resolve("n" + (i + 1) + ".log"), StandardCharsets.UTF_8);
  }
}
