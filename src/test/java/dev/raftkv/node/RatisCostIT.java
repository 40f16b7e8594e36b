package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The Ratis defaults raft-kv changes because they cost most per log entry (docs/performance.md):
 * with them, every log index of a write load carries commands; the stock default appends a
 * metadata entry per commit advance. Either way every acknowledged write is on every peer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RatisCostIT {
  @TempDir
  Path tmp;

  /** {metadata entries, state machine entries} in the leader's log. */
  private static long[] entryKinds(TestCluster c, int leader) throws Exception {
    RaftServer.Division d = c.nodes[leader].raftServer().getDivision(RaftKvNode.GROUP_ID);
    RaftLog log = d.getRaftLog();
    long[] kinds = new long[2];
    for (long i = log.getStartIndex(); i <= log.getLastCommittedIndex(); i++) {
      LogEntryProto e = log.get(i);
      if (e == null) {
        continue;
      }
      if (e.hasMetadataEntry()) {
        kinds[0]++;
      } else if (e.hasStateMachineLogEntry()) {
        kinds[1]++;
      }
    }
    return kinds;
  }

  private static long[] writeAndCount(Path dir, Map<String, String> overrides) throws Exception {
    java.nio.file.Files.createDirectories(dir);
    try (TestCluster c = new TestCluster(dir, 3, overrides)) {
      int leader = c.awaitLeader();
      try (Jedis j = c.client(leader)) {
        for (int i = 0; i < 200; i++) {
          assertEquals("OK", j.set("k" + i, "v" + i));
        }
      }
      for (int p = 0; p < 3; p++) {
        int peer = p;
        TestCluster.eventually(java.time.Duration.ofSeconds(20), () -> {
          try (Jedis j = c.client(peer)) {
            return "v199".equals(j.get("k199"));
          }
        }, "n" + (p + 1) + " has every write");
      }
      return entryKinds(c, leader);
    }
  }

  @Test
  void everyLogIndexOfAWriteLoadCarriesCommands() throws Exception {
    long[] kinds = writeAndCount(tmp.resolve("default"), Map.of());
    assertEquals(0, kinds[0], "metadata entries in the leader's log");
    assertTrue(kinds[1] >= 200 / 8, "state machine entries: " + kinds[1]);
    // Ratis' own default, for contrast: a metadata entry per commit advance
    long[] stock = writeAndCount(tmp.resolve("stock"), Map.of("raft.server.log.log-metadata.enabled", "true"));
    assertTrue(stock[0] > 0, "Ratis' default appends metadata entries: " + stock[0]);
  }
}
