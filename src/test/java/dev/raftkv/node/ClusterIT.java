package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/** A real 3-peer cluster in this JVM, driven by Jedis, for both stores. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterIT {
  @TempDir
  Path dir;

  private TestCluster cluster(String store, Map<String, String> extra) throws Exception {
    Map<String, String> o = new java.util.HashMap<>(extra);
    o.put("raftkv.store", store);
    return new TestCluster(dir, 3, o);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rocksdb", "memory"})
  void aWriteThroughAFollowerIsReadOnEveryPeer(String store) throws Exception {
    try (TestCluster c = cluster(store, Map.of())) {
      int follower = c.aFollower();
      try (Jedis j = c.client(follower)) {
        assertEquals("OK", j.set("greeting", "hello"));
        assertEquals(3L, j.incrBy("counter", 3));
      }
      for (int i = 0; i < 3; i++) {
        try (Jedis j = c.client(i)) {
          assertEquals("hello", j.get("greeting"), "peer " + i);
          assertEquals("3", j.get("counter"), "peer " + i);
        }
      }
    }
  }

  /**
   * With both followers stopped no write can commit: every write is answered by its deadline
   * (raftkv.request.timeout-ms) with TIMEOUT or CLUSTERDOWN, and so is one sent after the peer sat
   * idle. (Here Ratis answers the pending request when the leader steps down, and the retries stop
   * at the deadline; the gateway's deadline sweep, which now runs only while calls are live, is the
   * backstop for an attempt that is never answered at all.)
   */
  @Test
  void aWriteThatCannotCommitIsAnsweredByItsDeadlineAlsoAfterAnIdlePause() throws Exception {
    try (TestCluster c = cluster("memory", Map.of("raftkv.request.timeout-ms", "1500"))) {
      int leader = c.awaitLeader();
      try (Jedis j = c.client(leader)) {
        assertEquals("OK", j.set("before", "1"));
      }
      for (int i = 0; i < 3; i++) {
        if (i != leader) {
          c.stop(i);
        }
      }
      try (Jedis j = c.client(leader)) {
        for (int round = 0; round < 2; round++) {
          if (round == 1) {
            Thread.sleep(2500); // nothing live: the sweep has stopped
          }
          long t0 = System.nanoTime();
          JedisException e = org.junit.jupiter.api.Assertions.assertThrows(JedisException.class,
              () -> j.set("after", "x"));
          long ms = (System.nanoTime() - t0) / 1_000_000;
          assertTrue(e.getMessage().startsWith("TIMEOUT") || e.getMessage().startsWith("CLUSTERDOWN"),
              e.getMessage());
          assertTrue(ms < 1500 + 2000, "answered after " + ms + " ms, round " + round);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rocksdb", "memory"})
  void aReadThatStartsAfterAWriteRepliesSeesItOnAnotherPeer(String store) throws Exception {
    try (TestCluster c = cluster(store, Map.of())) {
      Jedis[] clients = {c.client(0), c.client(1), c.client(2)};
      try {
        for (int n = 0; n < 300; n++) {
          String v = "v" + n;
          clients[n % 3].set("register", v);
          assertEquals(v, clients[(n + 1) % 3].get("register"), "read on another peer after write " + n);
          assertEquals(v, clients[(n + 2) % 3].get("register"));
        }
      } finally {
        for (Jedis j : clients) {
          j.close();
        }
      }
    }
  }

  /**
   * Concurrent reads on a follower share read index requests to the leader, and the leader of
   * three voters answers them from the follower's own claim, with no round of questions; every
   * read still sees the write acknowledged just before it on the leader.
   */
  @org.junit.jupiter.api.Test
  void followerReadsShareReadIndexRequestsThatTheLeaderAnswersWithoutARound() throws Exception {
    try (TestCluster c = cluster("memory", Map.of())) {
      int leader = c.leader();
      int follower = c.aFollower();
      Map<String, Long> l0 = readCounters(c, leader);
      Map<String, Long> f0 = readCounters(c, follower);
      int threads = 8;
      int perThread = 150;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          String key = "reader-" + t;
          done.add(pool.submit(() -> {
            try (Jedis w = c.client(leader); Jedis r = c.client(follower)) {
              for (int n = 0; n < perThread; n++) {
                assertEquals("OK", w.set(key, "v" + n));
                assertEquals("v" + n, r.get(key), key + " read on the follower after write " + n);
              }
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      Map<String, Long> l1 = readCounters(c, leader);
      Map<String, Long> f1 = readCounters(c, follower);
      long requests = f1.get("raft_read_index_requests") - f0.get("raft_read_index_requests");
      long claims = l1.get("raft_read_index_claims") - l0.get("raft_read_index_claims");
      long rounds = l1.get("raft_read_rounds") - l0.get("raft_read_rounds");
      System.out.println(threads * perThread + " follower reads: " + requests + " read index requests, "
          + claims + " answered from the follower's claim, " + rounds + " leader rounds");
      assertTrue(requests > 0 && requests < threads * perThread, "requests: " + requests);
      assertEquals(requests, claims, "every request answered from the claim");
      assertEquals(0, rounds, "no leader round for follower reads");
    }
  }

  private static Map<String, Long> readCounters(TestCluster c, int peer) {
    Map<String, Long> m = new java.util.HashMap<>();
    try (Jedis j = c.client(peer)) {
      for (String line : j.info("raft").split("\r\n")) {
        String[] kv = line.split(":", 2);
        if (kv.length == 2 && kv[0].startsWith("raft_read_") && !kv[0].equals("raft_read_mode")) {
          m.put(kv[0], Long.parseLong(kv[1].trim()));
        }
      }
    }
    return m;
  }

  @ParameterizedTest
  @ValueSource(strings = {"rocksdb", "memory"})
  void whenTheLeaderDiesANewOneIsElectedAndNoAcknowledgedWriteIsLost(String store) throws Exception {
    try (TestCluster c = cluster(store, Map.of())) {
      int oldLeader = c.leader();
      Set<String> acked = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 6; w++) {
        int peer = w % 3;
        int writer = w;
        writers.add(pool.submit(() -> {
          int n = 0;
          while (!stop.get()) {
            if (c.nodes[peer] == null) {
              return null;
            }
            String key = "w" + writer + "-" + n++;
            try (Jedis j = c.client(peer)) {
              while (!stop.get()) {
                if ("OK".equals(j.set(key, key))) {
                  acked.add(key);
                }
                key = "w" + writer + "-" + n++;
              }
            } catch (JedisException e) {
              // TIMEOUT/CLUSTERDOWN replies or a closed peer: unknown outcome, not acknowledged
            }
          }
          return null;
        }));
      }
      Thread.sleep(1500);
      c.stop(oldLeader);
      int newLeader = c.awaitLeader();
      assertNotEquals(oldLeader, newLeader);
      Thread.sleep(1500);
      stop.set(true);
      for (Future<?> f : writers) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertTrue(acked.size() > 50, "writes were acknowledged: " + acked.size());
      for (int i = 0; i < 3; i++) {
        if (c.nodes[i] == null) {
          continue;
        }
        try (Jedis j = c.client(i)) {
          for (String k : acked) {
            assertEquals(k, j.get(k), "acknowledged write " + k + " on peer " + i);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rocksdb", "memory"})
  void aFollowerRestartedFromDiskCatchesUp(String store) throws Exception {
    try (TestCluster c = cluster(store, Map.of())) {
      int f = c.aFollower();
      try (Jedis j = c.client(c.leader())) {
        for (int n = 0; n < 100; n++) {
          j.set("before" + n, "x" + n);
        }
        j.incrBy("count", 5);
      }
      c.stop(f);
      try (Jedis j = c.client(c.leader())) {
        for (int n = 0; n < 100; n++) {
          j.set("during" + n, "y" + n);
        }
        j.incrBy("count", 5);
      }
      c.start(f);
      try (Jedis j = c.client(f)) {
        assertEquals("10", j.get("count"), "no entry applied twice after the restart");
        assertEquals("x99", j.get("before99"));
        assertEquals("y99", j.get("during99"));
        assertEquals(201L, j.dbSize());
      }
    }
  }

  /**
   * One small command must not make every replica allocate half a gigabyte: before
   * raftkv.max-value-bytes, SETRANGE big 536870000 x (19 bytes in the log) ran every peer of a
   * 3-peer cluster with the default 1 GB heap out of memory while applying it, and the cluster
   * stopped serving. Now it is refused, identically on every peer, and nothing else changes.
   */
  @Test
  void aTinyCommandCannotGrowAValuePastTheLimitOnEveryPeer() throws Exception {
    try (TestCluster c = cluster("memory", Map.of())) {
      int leader = c.awaitLeader();
      int follower = c.aFollower();
      String limit = "ERR value exceeds maximum allowed size (raftkv.max-value-bytes): ";
      try (Jedis j = c.client(follower)) {
        for (String[] cmd : new String[][] {{"SETRANGE", "big", "536870000", "x"},
            {"SETBIT", "big", "4294967295", "1"}, {"BITFIELD", "big", "SET", "u8", "#536870000", "1"},
            {"APPEND", "small", "x"}, {"SETRANGE", "big", "67108864", "x"}}) {
          if (cmd[0].equals("APPEND")) {
            assertEquals(1L, j.sendCommand(redis.clients.jedis.Protocol.Command.APPEND, "small", "x"));
            continue;
          }
          JedisException e = org.junit.jupiter.api.Assertions.assertThrows(JedisException.class,
              () -> j.sendCommand(() -> redis.clients.jedis.util.SafeEncoder.encode(cmd[0]),
                  java.util.Arrays.copyOfRange(cmd, 1, cmd.length)), String.join(" ", cmd));
          assertTrue(e.getMessage().startsWith(limit), String.join(" ", cmd) + ": " + e.getMessage());
        }
        // the largest value allowed by default is 64 MB: one byte less than the last refusal
        assertEquals(67108864L, j.setrange("big", 67108863, "x"));
      }
      for (int i = 0; i < 3; i++) {
        int peer = i;
        try (Jedis j = c.client(i)) {
          TestCluster.eventually(Duration.ofSeconds(20), () -> j.strlen("big") == 67108864L,
              "peer " + peer + " has the 64 MB value");
          assertEquals("x", j.get("small"), "peer " + i);
        }
      }
      assertEquals(leader, c.leader(), "the leader stayed the leader");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rocksdb", "memory"})
  void aWipedFollowerCatchesUpThroughASnapshotAfterTheLogWasPurged(String store) throws Exception {
    Map<String, String> small = Map.of(
        "raftkv.snapshot.auto-threshold", "200",
        "raftkv.log.preserve", "10",
        "raft.server.log.segment.size.max", "16KB",
        "raft.server.log.purge.gap", "8",
        "raft.server.log.purge.upto.snapshot.index", "true");
    try (TestCluster c = cluster(store, small)) {
      int f = c.aFollower();
      c.stop(f);
      c.wipe(f);
      try (Jedis j = c.client(c.leader())) {
        for (int n = 0; n < 1500; n++) {
          j.set("k" + n, "value-" + n);
        }
        j.incrBy("count", 7);
      }
      RaftKvNode leader = c.nodes[c.leader()];
      TestCluster.eventually(Duration.ofSeconds(30),
          () -> leader.stateMachine().lastSnapshotIndex() > 1000, "the leader took a snapshot");
      long logStart = leader.raftServer().getDivision(RaftKvNode.GROUP_ID).getRaftLog().getStartIndex();
      assertTrue(logStart > 100, "the leader's log was purged (start index " + logStart + ")");
      c.start(f);
      RaftKvNode restarted = c.nodes[f];
      TestCluster.eventually(Duration.ofSeconds(60),
          () -> restarted.stateMachine().lastSnapshotIndex() > 0, "the wiped follower installed a snapshot");
      // it serves once it has rejoined (the configuration that counts it again is committed)
      TestCluster.eventually(Duration.ofSeconds(60), () -> restarted.formed().isDone(), "the wiped follower rejoined");
      try (Jedis j = c.client(f)) {
        assertEquals("value-1499", j.get("k1499"));
        assertEquals("value-0", j.get("k0"));
        assertEquals("7", j.get("count"));
        assertEquals(1501L, j.dbSize());
      }
    }
  }
}
