package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * A power loss can leave the open Raft log segment with a torn, unsynced tail: the peer drops it
 * and starts. Damage anywhere else (a closed segment) stops the peer with a message naming the
 * file, instead of silently dropping entries it acknowledged.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TornLogIT {
  @TempDir
  Path tmp;

  private static List<Path> segments(Path dataDir, String prefix) throws IOException {
    Path current = Formation.groupDir(dataDir.resolve("raft")).resolve("current");
    try (Stream<Path> s = Files.list(current)) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
    }
  }

  @Test
  void aTornTailOfTheOpenSegmentIsDroppedAndADamagedClosedSegmentStopsThePeer() throws Exception {
    Map<String, String> small = Map.of(
        "raft.server.log.segment.size.max", "32KB",
        "raft.server.log.preallocated.size", "16KB",
        "raft.server.snapshot.trigger-when-stop.enabled", "false",
        "raftkv.write.max-inflight", "1");
    try (TestCluster c = new TestCluster(tmp, 1, small)) {
      try (Jedis j = c.client(0)) {
        for (int i = 0; i < 400; i++) {
          assertEquals("OK", j.set("k" + i, "v".repeat(100) + i));
        }
        // every segment Ratis created (and the rename of each closed one) was made durable by an
        // fsync of the log directory before the entries in it were acknowledged
        long syncs = Long.parseLong(j.info("raft").lines().filter(l -> l.startsWith("raft_log_dir_syncs:"))
            .findFirst().orElseThrow().substring("raft_log_dir_syncs:".length()).strip());
        long segmentFiles = segments(c.dataDir(0), "log_").size();
        assertTrue(syncs >= segmentFiles, syncs + " directory fsyncs for " + segmentFiles + " segments");
      }
      c.stop(0);
      Path open = segments(c.dataDir(0), "log_inprogress_").get(0);
      assertTrue(segments(c.dataDir(0), "log_0").size() + segments(c.dataDir(0), "log_").size() > 1,
          "the log should have rolled into closed segments");
      // a torn write: an entry's length and a few of its bytes reached the disk, the rest is zeros
      try (RandomAccessFile f = new RandomAccessFile(open.toFile(), "rw")) {
        long end = f.length();
        f.seek(end);
        f.write(new byte[] {0x40, 1, 2, 3, 4, 5, 6, 7});
        f.write(new byte[64]);
      }
      c.start(0);
      c.awaitLeader();
      try (Jedis j = c.client(0)) {
        for (int i = 0; i < 400; i++) {
          assertEquals("v".repeat(100) + i, j.get("k" + i));
        }
        assertEquals("OK", j.set("after", "1"));
      }
      c.stop(0);
      // a damaged closed segment: entries this peer acknowledged
      Path closed = segments(c.dataDir(0), "log_").stream()
          .filter(p -> !p.getFileName().toString().startsWith("log_inprogress_")).findFirst().orElseThrow();
      try (RandomAccessFile f = new RandomAccessFile(closed.toFile(), "rw")) {
        long mid = f.length() / 2;
        f.seek(mid);
        int b = f.read();
        f.seek(mid);
        f.write(b ^ 0x5a);
      }
      IOException e = assertThrows(IOException.class, () -> c.start(0));
      assertTrue(e.getMessage().contains("closed Raft log segment") && e.getMessage().contains(closed.getFileName().toString()),
          e.getMessage());
    }
  }
}
