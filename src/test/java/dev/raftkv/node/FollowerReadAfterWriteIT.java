package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A linearizable read on a follower right after a write, on a quiet 3-peer cluster, does not wait
 * for the leader's next heartbeat to learn that the write is committed. The heartbeat period is
 * made long here (half of raft.server.rpc.timeout.min = 3 s) so that a read waiting for it is
 * unmistakable: before CommitNudgingGrpc each such read took up to that period (~500 ms with the
 * defaults).
 */
@Timeout(180)
class FollowerReadAfterWriteIT {
  @TempDir
  static Path dir;

  @Test
  void aReadOnAFollowerRightAfterAWriteDoesNotWaitForAHeartbeat() throws Exception {
    followerWritesAndReads("yes", dir.resolve("direct"));
  }

  /** The same through Ratis' own client service ({@code raftkv.forward.direct=no}). */
  @Test
  void theSameThroughRatisClientService() throws Exception {
    followerWritesAndReads("no", dir.resolve("ratis"));
  }

  private static long forwardedIn(TestCluster cluster, int peer) {
    try (Jedis j = cluster.client(peer)) {
      return Long.parseLong(j.info("raft").lines().filter(l -> l.startsWith("raft_forwarded_in:"))
          .findFirst().orElseThrow().substring("raft_forwarded_in:".length()).trim());
    }
  }

  private static void followerWritesAndReads(String direct, Path dir) throws Exception {
    java.nio.file.Files.createDirectories(dir);
    try (TestCluster cluster = new TestCluster(dir, 3, Map.of(
        "raftkv.store", "memory",
        "raftkv.forward.direct", direct,
        "raft.server.rpc.timeout.min", "6s",
        "raft.server.rpc.timeout.max", "9s"))) {
      int leader = cluster.awaitLeader();
      int follower = cluster.aFollower();
      long forwardedBefore = forwardedIn(cluster, leader);
      try (Jedis j = cluster.client(follower)) {
        j.set("warm", "up"); // the first requests open the connections between the peers
        assertEquals("up", j.get("warm"));
        long[] readMs = new long[15];
        for (int i = 0; i < readMs.length; i++) {
          j.set("k" + i, "v" + i);
          long t0 = System.nanoTime();
          assertEquals("v" + i, j.get("k" + i), "the read sees the write before it");
          readMs[i] = (System.nanoTime() - t0) / 1_000_000;
          Thread.sleep(100); // nothing else runs: no entry carries the commit index meanwhile
        }
        long[] sorted = readMs.clone();
        Arrays.sort(sorted);
        assertTrue(sorted[sorted.length / 2] < 1000,
            "a read after a write on a follower waited for a heartbeat (3 s period): " + Arrays.toString(readMs) + " ms");
      }
      // each write batch and each read index request of the follower reached the leader on
      // raft-kv's own stream (DirectForward), or none did with it off
      long forwarded = forwardedIn(cluster, leader) - forwardedBefore;
      if (direct.equals("yes")) {
        assertTrue(forwarded >= 32, "forwarded to the leader on the direct stream: " + forwarded);
      } else {
        assertEquals(0, forwarded, "with raftkv.forward.direct=no nothing uses the direct stream");
      }
    }
  }
}
