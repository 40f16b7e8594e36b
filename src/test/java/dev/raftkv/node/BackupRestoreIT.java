package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.cli.Main;
import dev.raftkv.raft.BackupManifest;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Back up a cluster under write load, keep writing, restore the backup into a fresh 3-peer
 * cluster: every write acknowledged before the backup started is there with its value, each
 * writer's keys are a gap-free prefix of what it wrote (the backup is one consistent cut), the new
 * cluster serves writes and restarts, and a damaged backup is refused.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BackupRestoreIT {
  private static final int WRITERS = 3;

  @TempDir
  Path dir;

  private static int cli(String... args) {
    return Main.commandLine().execute(args);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rocksdb", "memory"})
  void aBackupTakenUnderLoadRestoresIntoANewClusterWithEveryAcknowledgedWrite(String store) throws Exception {
    Path backup = dir.resolve("backup");
    int[] before = new int[WRITERS];
    AtomicInteger[] acked = new AtomicInteger[WRITERS];
    BackupManifest manifest;
    try (TestCluster c = new TestCluster(Files.createDirectories(dir.resolve("old")), 3,
        Map.of("raftkv.store", store))) {
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < WRITERS; t++) {
        acked[t] = new AtomicInteger(-1);
        final int w = t;
        Thread th = new Thread(() -> {
          try (Jedis j = c.client(w)) {
            for (int i = 0; !stop.get(); i++) {
              j.set("w" + w + ":" + i, "v" + i);
              acked[w].set(i);
            }
          } catch (JedisException e) {
            // outcome of the last write unknown: this writer stops, its keys stay a prefix
          }
        }, "writer-" + t);
        th.start();
        writers.add(th);
      }
      for (int t = 0; t < WRITERS; t++) {
        final int w = t;
        TestCluster.eventually(Duration.ofSeconds(60), () -> acked[w].get() >= 200, "writer " + t + " is going");
      }
      for (int t = 0; t < WRITERS; t++) {
        before[t] = acked[t].get();
      }
      int leader = c.leader();
      assertEquals(0, cli("admin", "--peers", c.peers.path().toString(), "backup", "--to", backup.toString()));
      int[] atBackup = new int[WRITERS];
      for (int t = 0; t < WRITERS; t++) {
        atBackup[t] = acked[t].get();
      }
      for (int t = 0; t < WRITERS; t++) {
        final int w = t;
        TestCluster.eventually(Duration.ofSeconds(60), () -> acked[w].get() >= atBackup[w] + 100,
            "writer " + t + " goes on after the backup");
      }
      stop.set(true);
      for (Thread th : writers) {
        th.join(30_000);
      }
      manifest = BackupManifest.read(backup);
      assertEquals(store, manifest.store());
      if (leader >= 0 && c.leader() == leader) {
        assertNotEquals("n" + (leader + 1), manifest.source(), "taken from a follower");
      }
    }

    assertEquals(0, cli("verify-backup", "--from", backup.toString()));
    Path fresh = Files.createDirectories(dir.resolve("restored"));
    for (int i = 1; i <= 3; i++) {
      assertEquals(0, cli("restore", "--from", backup.toString(), "--data-dir", fresh.resolve("n" + i).toString()));
    }
    try (TestCluster r = new TestCluster(fresh, 3, Map.of("raftkv.store", store))) {
      long total = 0;
      for (int t = 0; t < WRITERS; t++) {
        int present = prefixLength(r, t, acked[t].get() + 1);
        assertTrue(present > before[t], "writer " + t + ": every write acknowledged before the backup is"
            + " there (" + present + " keys, " + (before[t] + 1) + " acknowledged before)");
        assertTrue(present <= acked[t].get() + 2, "writer " + t + ": nothing that was never written");
        total += present;
      }
      for (int i = 0; i < 3; i++) {
        try (Jedis j = r.client(i)) {
          assertEquals(total, j.dbSize(), "peer " + i + " has exactly the backup's keys");
          String info = j.info("raft");
          assertTrue(info.contains("raft_snapshot_index:" + manifest.index()) || snapshotAfter(info, manifest.index()),
              info);
        }
      }
      // the new cluster goes on after the backup's index: writes, and a restart keeps everything
      int f = r.aFollower();
      try (Jedis j = r.client(f)) {
        assertEquals("OK", j.set("after-restore", "yes"));
      }
      r.stop(f);
      r.start(f);
      TestCluster.eventually(Duration.ofSeconds(60), () -> {
        try (Jedis j = r.client(f)) {
          return "yes".equals(j.get("after-restore"));
        } catch (JedisException e) {
          return false;
        }
      }, "the restarted peer answers");
      try (Jedis j = r.client(f)) {
        assertEquals(total + 1, j.dbSize());
        assertEquals("v0", j.get("w0:0"));
      }
    }
  }

  private static boolean snapshotAfter(String info, long index) {
    for (String line : info.split("\r\n")) {
      if (line.startsWith("raft_snapshot_index:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1)) >= index;
      }
    }
    return false;
  }

  /** How many of writer t's keys 0..upTo-1 are present; fails if they are not a gap-free prefix. */
  private static int prefixLength(TestCluster r, int t, int upTo) {
    int present = -1;
    try (Jedis j = r.client(t % 3)) {
      for (int from = 0; from < upTo; from += 500) {
        int to = Math.min(upTo, from + 500);
        String[] keys = new String[to - from];
        for (int i = from; i < to; i++) {
          keys[i - from] = "w" + t + ":" + i;
        }
        List<String> values = j.mget(keys);
        for (int i = from; i < to; i++) {
          String v = values.get(i - from);
          if (v != null) {
            assertEquals("v" + i, v, keys[i - from]);
            assertEquals(-1, present, "writer " + t + ": key " + i + " present after a gap at " + present);
          } else if (present < 0) {
            present = i;
          }
        }
      }
    }
    return present < 0 ? upTo : present;
  }

  @ParameterizedTest
  @ValueSource(strings = {"rocksdb"})
  void aDamagedBackupFailsVerifyAndIsNotRestored(String store) throws Exception {
    Path backup = dir.resolve("backup");
    try (TestCluster c = new TestCluster(Files.createDirectories(dir.resolve("old")), 3,
        Map.of("raftkv.store", store))) {
      // incompressible values: the checkpoint has a file of several MB, sent in 1 MB chunks
      java.util.Random random = new java.util.Random(42);
      try (Jedis j = c.client(0)) {
        for (int i = 0; i < 80; i++) {
          byte[] v = new byte[40_000];
          random.nextBytes(v);
          j.set(("k" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), v);
        }
      }
      assertEquals(0, cli("admin", "--peers", c.peers.path().toString(), "backup", "--to", backup.toString()));
      assertTrue(BackupManifest.read(backup).files().stream().anyMatch(f -> f.size() > 2_500_000),
          "a file of several chunks: " + BackupManifest.read(backup).files());
      // a second backup into the same, non-empty directory is refused
      assertNotEquals(0, cli("admin", "--peers", c.peers.path().toString(), "backup", "--to", backup.toString()));
    }
    assertEquals(0, cli("verify-backup", "--from", backup.toString()));
    // a restore never goes into a data dir that has anything in it
    Path used = Files.createDirectories(dir.resolve("used"));
    Files.writeString(used.resolve("something"), "x");
    assertNotEquals(0, cli("restore", "--from", backup.toString(), "--data-dir", used.toString()));
    assertFalse(Files.exists(used.resolve("restore")));
    // a peer seeded from a RocksDB backup refuses to start with the memory store, and says why
    Path seeded = dir.resolve("seeded");
    assertEquals(0, cli("restore", "--from", backup.toString(), "--data-dir", seeded.toString()));
    Path solo = dir.resolve("solo.conf");
    Files.writeString(solo, "solo 127.0.0.1:" + TestCluster.freePort() + " 127.0.0.1:" + TestCluster.freePort() + "\n");
    Exception refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> RaftKvNode.start("solo",
        dev.raftkv.config.PeersFile.load(solo), seeded,
        dev.raftkv.config.NodeConfig.build(null, Map.of("raftkv.store", "memory"), Map.of())).close());
    StringBuilder chain = new StringBuilder();
    for (Throwable t = refused; t != null; t = t.getCause()) {
      chain.append(t.getMessage()).append(" / ");
    }
    assertTrue(chain.toString().contains("start it with --store rocksdb"), chain.toString());
    assertTrue(Files.isDirectory(seeded.resolve("restore")), "the restore copy is kept for a proper start");
    BackupManifest m = BackupManifest.read(backup);
    BackupManifest.FileEntry largest = m.files().stream()
        .max(Comparator.comparingLong(BackupManifest.FileEntry::size)).orElseThrow();
    try (RandomAccessFile f = new RandomAccessFile(backup.resolve(largest.name()).toFile(), "rw")) {
      long at = largest.size() / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x01); // one flipped bit
    }
    assertEquals(1, cli("verify-backup", "--from", backup.toString()));
    Path target = dir.resolve("n1");
    assertNotEquals(0, cli("restore", "--from", backup.toString(), "--data-dir", target.toString()));
    assertFalse(Files.exists(target.resolve("restore")), "nothing restored from a damaged backup");
    Files.delete(backup.resolve(largest.name()));
    assertEquals(1, cli("verify-backup", "--from", backup.toString()));
  }
}
