package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.raft.BackupManifest;
import dev.raftkv.verify.LocalCluster.Peer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A leader cut off from the rest of the cluster must not answer a read with a value that the new
 * leader on the other side has already overwritten (Raft thesis 6.4: a leader confirms it still
 * leads before serving a read).
 *
 * <p>Ratis 3.3.0 alone fails this: once a heartbeat round has confirmed a commit index, its leader
 * answers every later read at the same commit index without asking anyone, and an isolated
 * leader's commit index never moves again. It only steps down after {@code rpc.timeout.max}
 * without answers, while the others may elect a new leader after {@code rpc.timeout.min}: in
 * between, it served the old value. The scenario below is that window, made wide: the isolated
 * leader steps down after 6 s, the others elect one of them after 1-6 s.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DeposedLeaderReadIT {

  @Test
  void anIsolatedLeaderNeverAnswersAReadWithAnOverwrittenValue() throws Exception {
    LocalCluster.Options o = new LocalCluster.Options();
    o.peers = 3;
    o.store = "memory";
    o.jar = ItSupport.jar();
    Files.createDirectories(ItSupport.workDir());
    o.workDir = Files.createTempDirectory(ItSupport.workDir(), "deposed-");
    // a leader steps down after rpc.timeout.max without answers; a follower campaigns after a
    // random time between min and max: a wide max makes the window of two leaders wide
    o.config.put("raft.server.rpc.timeout.min", "1000ms");
    o.config.put("raft.server.rpc.timeout.max", "6000ms");
    try (LocalCluster cluster = new LocalCluster(o)) {
      cluster.startAll();
      Peer old = cluster.awaitLeader(90_000);
      cluster.awaitHealthy(90_000);
      List<Peer> rest = new ArrayList<>(cluster.peers());
      rest.remove(old);

      try (RespClient c = cluster.client(old, 5000)) {
        assertEquals("OK", c.call("SET", "k", "v1"));
        // reads at this commit index: after the first one is confirmed, Ratis stops asking
        for (int i = 0; i < 20; i++) {
          assertEquals("v1", c.call("GET", "k"));
        }
      }
      // the admin tool runs as its own process and reaches every peer directly, past the cut links
      Path hosts = o.workDir.resolve("hosts").resolve("admin.hosts");
      StringBuilder h = new StringBuilder("127.0.0.1 localhost\n");
      for (Peer p : cluster.peers()) {
        h.append("127.0.0.1 ").append(p.id).append('\n');
      }
      Files.writeString(hosts, h.toString());
      assertEquals(0, backup(cluster, hosts, old, o.workDir.resolve("backup-before")),
          "a backup of the leader before the cut");
      cluster.isolate(old);
      long isolatedAt = System.nanoTime();
      Peer next = awaitNewLeader(cluster, rest, 20_000);
      String written = null;
      for (int i = 0; i < 40 && written == null; i++) {
        try (RespClient c = cluster.client(next, 3000)) {
          Object r = c.call("SET", "k", "v2");
          if ("OK".equals(r)) {
            written = "v2";
          }
        } catch (IOException e) {
          // the new leader may still be settling
        }
        if (written == null) {
          Thread.sleep(100);
        }
      }
      assertEquals("v2", written, "the majority side did not accept a write");
      long sinceIsolation = (System.nanoTime() - isolatedAt) / 1_000_000;
      long v2Index = Long.parseLong(cluster.raftInfo(next).get("raft_commit_index"));

      // a backup "holds every write acknowledged before the command started": one taken from the
      // isolated former leader must fail, or hold v2's index
      Path backup = o.workDir.resolve("backup-after");
      int exit = backup(cluster, hosts, old, backup);
      if (exit == 0) {
        long at = BackupManifest.read(backup).index();
        assertTrue(at >= v2Index, "a backup of the isolated former leader " + old.id + " is at index " + at
            + ", before v2 (index " + v2Index + ", acknowledged by " + next.id + ")");
      }
      System.out.println("backup of the isolated former leader: exit " + exit);

      // v2 is acknowledged: from now on no read anywhere may return v1
      int answered = 0;
      int refused = 0;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < until) {
        try (RespClient c = cluster.client(old, 1500)) {
          Object r = c.call("GET", "k");
          assertNotEquals("v1", r, "the isolated former leader " + old.id + " answered a read"
              + " with the overwritten value " + (sinceIsolation) + " ms after it was cut off"
              + " (new leader " + next.id + " had acknowledged v2)");
          if (r instanceof RespClient.Error) {
            refused++;
          } else {
            answered++;
          }
        } catch (IOException e) {
          refused++; // a read that waits for a confirmation that cannot come times out
        }
      }
      System.out.println("isolated former leader: " + answered + " reads answered (never v1), "
          + refused + " refused or timed out");
      assertTrue(refused > 0, "the isolated peer answered every read");

      cluster.heal();
      cluster.awaitHealthy(90_000);
      for (Peer p : cluster.peers()) {
        try (RespClient c = cluster.client(p, 5000)) {
          assertEquals("v2", c.call("GET", "k"), "after healing, " + p.id);
        }
      }
    }
  }

  /** {@code raftkv admin backup --id} of one peer, in a process of its own; its exit code. */
  private static int backup(LocalCluster cluster, Path hosts, Peer from, Path to) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-Djdk.net.hosts.file=" + hosts, "-jar",
        ItSupport.jar().toString(), "admin", "--peers", cluster.peersFile().toString(), "--timeout", "3000",
        "backup", "--id", from.id, "--to", to.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("raftkv admin backup did not finish within 60 s");
      }
      return p.exitValue();
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Peer awaitNewLeader(LocalCluster cluster, List<Peer> among, long timeoutMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < deadline) {
      for (Peer p : among) {
        Map<String, String> info = cluster.raftInfo(p);
        if ("leader".equalsIgnoreCase(info.get("raft_role"))) {
          return p;
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the majority side elected no leader within " + timeoutMs + " ms");
  }
}
