package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/**
 * Expired keys are removed through the Raft log, by the leader only, at a bounded rate, and a
 * key that was overwritten after its deadline is not removed.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ExpiryIT {
  @TempDir static Path dir;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of(
        "raftkv.expiry.keys-per-entry", "50",
        "raftkv.expiry.entries-per-second", "10"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void flush() {
    try (Jedis j = cluster.client(cluster.aFollower())) {
      j.flushAll();
    }
  }

  @AfterEach
  void resume() {
    pauseSweepers(false);
  }

  private static void pauseSweepers(boolean paused) {
    for (RaftKvNode n : cluster.nodes) {
      if (n != null) {
        n.expirySweeper().setPaused(paused);
      }
    }
  }

  private static long dbsize(int peer) {
    try (Jedis j = cluster.client(peer)) {
      return j.dbSize();
    }
  }

  private static boolean everyPeerCounts(long n) {
    for (int i = 0; i < 3; i++) {
      if (dbsize(i) != n || cluster.nodes[i].store().count() != n) {
        return false;
      }
    }
    return true;
  }

  @Test
  void keysWithPx100DisappearFromDbsizeOnEveryPeer() throws Exception {
    try (Jedis j = cluster.client(cluster.aFollower())) {
      for (int i = 0; i < 120; i++) {
        j.set("short:" + i, "v", SetParams.setParams().px(100));
      }
      j.set("long", "v", SetParams.setParams().ex(1000));
      j.set("forever", "v");
      assertTrue(j.dbSize() >= 2);
    }
    TestCluster.eventually(Duration.ofSeconds(20), () -> everyPeerCounts(2),
        "only the two live keys are counted on every peer");
    try (Jedis j = cluster.client(0)) {
      assertEquals("v", j.get("long"));
      assertEquals("v", j.get("forever"));
      assertEquals(List.of(), j.keys("short:*").stream().toList());
    }
  }

  @Test
  void aFollowerNeverDeletesOnItsOwn() throws Exception {
    pauseSweepers(true); // no peer proposes: whichever is leader stays silent
    try (Jedis j = cluster.client(cluster.aFollower())) {
      for (int i = 0; i < 30; i++) {
        j.set("k" + i, "v", SetParams.setParams().px(100));
      }
    }
    Thread.sleep(1500);
    for (int i = 0; i < 3; i++) {
      try (Jedis j = cluster.client(i)) {
        assertEquals(30, j.dbSize(), "peer " + i + " still counts the expired keys");
        assertEquals(30, cluster.nodes[i].store().count());
        assertNull(j.get("k0"), "but no read returns them");
        assertEquals(0, j.exists("k1", "k2"));
        assertEquals(-2, j.pttl("k3"));
        assertEquals(List.of(), j.keys("*").stream().toList());
      }
    }
    pauseSweepers(false);
    TestCluster.eventually(Duration.ofSeconds(20), () -> everyPeerCounts(0),
        "the leader's sweep removes them everywhere");
  }

  @Test
  void aKeyOverwrittenAfterItsDeadlineIsNotDeleted() throws Exception {
    pauseSweepers(true);
    try (Jedis j = cluster.client(cluster.aFollower())) {
      j.set("a", "old", SetParams.setParams().px(100));
      j.set("b", "old", SetParams.setParams().px(100));
      j.set("c", "old", SetParams.setParams().px(100));
      Thread.sleep(300);
      j.set("a", "new");
      j.set("b", "new", SetParams.setParams().ex(1000));
    }
    // the sweeper picked a, b and c while they were expired; only c still is when it applies
    ExpirySweeper sweeper = cluster.nodes[cluster.leader()].expirySweeper();
    byte[] reply = sweeper.propose(List.of(bytes("a"), bytes("b"), bytes("c"), bytes("never")))
        .get(20, TimeUnit.SECONDS);
    assertArrayEquals(bytes(":1\r\n"), reply);
    TestCluster.eventually(Duration.ofSeconds(20), () -> everyPeerCounts(2), "c is gone everywhere");
    try (Jedis j = cluster.client(cluster.aFollower())) {
      assertEquals("new", j.get("a"));
      assertEquals("new", j.get("b"));
      assertEquals(-1, j.ttl("a"));
      assertTrue(j.ttl("b") > 900);
    }
  }

  @Test
  void aBacklogDrainsAtTheConfiguredRate() throws Exception {
    pauseSweepers(true);
    try (Jedis j = cluster.client(cluster.aFollower())) {
      String[] kv = new String[2 * 1000];
      for (int i = 0; i < 1000; i++) {
        kv[2 * i] = "b" + i;
        kv[2 * i + 1] = "v";
      }
      j.mset(kv);
      for (int i = 0; i < 1000; i++) {
        j.pexpire("b" + i, 50);
      }
    }
    Thread.sleep(200);
    ExpirySweeper sweeper = cluster.nodes[cluster.leader()].expirySweeper();
    long entriesBefore = sweeper.proposedEntries();
    long start = System.nanoTime();
    pauseSweepers(false);
    TestCluster.eventually(Duration.ofSeconds(60), () -> everyPeerCounts(0), "the backlog is drained");
    long millis = (System.nanoTime() - start) / 1_000_000;
    // 1000 keys, at most 50 per entry: at least 20 entries, at most 10 per second
    assertTrue(sweeper.proposedEntries() - entriesBefore >= 20,
        "entries: " + (sweeper.proposedEntries() - entriesBefore));
    assertTrue(millis >= 1800, "1000 keys at 50 per entry and 10 entries/s took only " + millis + " ms");
    // client writes went on meanwhile: the sweep never blocks them
    try (Jedis j = cluster.client(cluster.leader())) {
      assertEquals("OK", j.set("after", "x"));
    }
  }

  @Test
  void theNewLeaderSweepsAfterAFailover() throws Exception {
    int old = cluster.leader();
    cluster.stop(old);
    try {
      cluster.awaitLeader();
      int follower = cluster.aFollower();
      try (Jedis j = cluster.client(follower)) {
        for (int i = 0; i < 20; i++) {
          j.set("f" + i, "v", SetParams.setParams().px(100));
        }
      }
      TestCluster.eventually(Duration.ofSeconds(20), () -> {
        for (int i = 0; i < 3; i++) {
          if (cluster.nodes[i] != null && cluster.nodes[i].store().count() != 0) {
            return false;
          }
        }
        return true;
      }, "the new leader removed the expired keys");
    } finally {
      cluster.start(old);
      cluster.awaitLeader();
    }
    TestCluster.eventually(Duration.ofSeconds(30), () -> cluster.nodes[old].store().count() == 0,
        "the restarted peer applies the deletes from the log");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
