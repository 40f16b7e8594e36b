package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bee-queue (npm, the version pinned in src/test/resources/clients/bee-queue/package-lock.json),
 * unchanged, against a 3-peer cluster: a producer on the leader, a worker on each follower. Its
 * Lua scripts (SCRIPT LOAD, EVALSHA), its workers' BRPOPLPUSH and its job events over Pub/Sub all
 * run on raft-kv; every job runs exactly once and its result reaches the producer, also when the
 * leader is stopped mid-run. Needs node and npm (and the npm registry for {@code npm ci}); skipped
 * without them, except in CI.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BeeQueueIT {
  @TempDir static Path dir;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster(Files.createDirectories(dir.resolve("cluster")), 3, Map.of("raftkv.store", "rocksdb"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aProducerAndWorkersOnDifferentPeersRunEveryJobExactlyOnce() throws Exception {
    Path work = installed();
    int leader = cluster.awaitLeader();
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      if (i != leader) {
        others.add(cluster.redisPorts[i]);
      }
    }
    NpmClient.Result r = run(work, 150, "node", "e2e.js", "127.0.0.1", Integer.toString(cluster.redisPorts[leader]),
        Integer.toString(others.get(0)), Integer.toString(others.get(1)), "60");
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("bee-queue e2e: OK 60 jobs, each run once"), r.output());
  }

  /**
   * The same with the clients on the two followers and the leader stopped while a third of the
   * jobs are done and the rest are queued, running or completing: every job still runs exactly
   * once and completes (writes wait for the new leader instead of failing).
   */
  @Test
  void everyJobRunsExactlyOnceWhenTheLeaderIsStoppedMidRun() throws Exception {
    Path work = installed();
    int leader = cluster.awaitLeader();
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      if (i != leader) {
        others.add(cluster.redisPorts[i]);
      }
    }
    Process p = new ProcessBuilder("node", "e2e.js", "127.0.0.1", Integer.toString(others.get(0)),
        Integer.toString(others.get(0)), Integer.toString(others.get(1)), "90", "slow")
        .directory(work.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    StringBuilder out = new StringBuilder();
    boolean stopped = false;
    try (java.io.BufferedReader lines = new java.io.BufferedReader(
        new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        out.append(line).append('\n');
        if (line.equals("HALFWAY") && !stopped) {
          cluster.stop(leader);
          stopped = true;
        }
      }
      assertTrue(p.waitFor(150, TimeUnit.SECONDS), "node did not finish: " + out);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      if (stopped) {
        cluster.start(leader);
      }
    }
    assertTrue(stopped, "the script never reached a third of its jobs: " + out);
    assertEquals(0, p.exitValue(), out.toString());
    assertTrue(out.toString().contains("bee-queue e2e: OK 90 jobs, each run once"), out.toString());
  }

  /** The pinned bee-queue installed (npm ci) in a work directory; skipped without node and npm. */
  private static Path installed() throws Exception {
    return NpmClient.installed(dir, "bee-queue", List.of("package.json", "package-lock.json", "e2e.js"));
  }

  private static NpmClient.Result run(Path cwd, int seconds, String... cmd) throws IOException, InterruptedException {
    return NpmClient.run(cwd, seconds, cmd);
  }
}
