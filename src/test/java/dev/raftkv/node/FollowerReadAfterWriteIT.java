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
    try (TestCluster cluster = new TestCluster(dir, 3, Map.of(
        "raftkv.store", "memory",
        "raft.server.rpc.timeout.min", "6s",
        "raft.server.rpc.timeout.max", "9s"))) {
      cluster.awaitLeader();
      int follower = cluster.aFollower();
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
    }
  }
}
