package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Power loss under load: every peer's data dir is a powerfs mount (src/test/c/powerfs.c), which
 * keeps what was not fsync'd in memory, and a power loss drops it (or tears it, page by page) and
 * undoes every directory change whose directory was not fsync'd (the POSIX minimum). The nemesis
 * power-fails the leader, two peers or every peer at once; every acknowledged write must survive,
 * histories stay linearizable, and every peer must start again each time. Needs gcc, Debian's
 * fuse3 and libfuse3-dev and /dev/fuse (.ci/run installs them); skipped elsewhere, never in CI.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class PowerLossIT {
  private static Path powerfs;

  @BeforeAll
  static void buildPowerfs() throws Exception {
    boolean ci = "true".equals(System.getenv("CI"));
    boolean fuse = Files.exists(Path.of("/dev/fuse"));
    Process p = new ProcessBuilder("bash", ItSupport.home().resolve("bin/build-powerfs.sh").toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    boolean built = p.waitFor() == 0;
    if (!ci) {
      Assumptions.assumeTrue(fuse && built, "powerfs cannot run here (/dev/fuse " + fuse + "): " + out);
    }
    assertTrue(fuse && built, "powerfs: " + out);
    powerfs = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
  }

  private static VerifyRun.Config config(long seed, String store) {
    VerifyRun.Config c = ItSupport.config("power", seed, store);
    c.durationSeconds = 45;
    c.quietMinMs = 1000;
    c.quietMaxMs = 2000;
    c.holdMinMs = 3000;
    c.holdMaxMs = 4000;
    c.powerfs = powerfs;
    c.workload.registerThreads = 3;
    c.keepWorkDir = true;
    return c;
  }

  private static void runAndAssert(VerifyRun.Config c) throws Exception {
    VerifyRun.Report r = new VerifyRun(c).run();
    System.out.println(r.text());
    assertTrue(r.valid(), r.text());
    long cycles = r.faults.size();
    assertTrue(cycles >= 4, "too few power losses (" + cycles + ")\n" + r.text());
    // acknowledged operations of the workloads that write (their reads are a minority); the
    // register workload, half reads, is left out
    long acked = 0;
    for (String w : List.of("unique keys", "counters", "bank", "list append", "queue", "script lock")) {
      acked += r.counts.get(w)[1];
    }
    assertTrue(acked >= 50, "too few acknowledged operations to mean anything (" + acked + ")\n" + r.text());
    // the power losses were real: powerfs dropped unsynced pages and undid directory changes, and
    // never had to undo the replacement of a term and vote file (raft-meta, raft-meta.conf)
    String logs = powerfsLogs(r.workDir);
    assertTrue(logs.contains("unsynced pages dropped"), logs);
    List<String> lostMeta = logs.lines().filter(l -> l.contains("undo rename") && l.contains("raft-meta")).toList();
    assertEquals(List.of(), lostMeta, "a replaced raft-meta file was not durable");
    dev.raftkv.util.Dirs.deleteRecursively(r.workDir);
  }

  private static String powerfsLogs(Path workDir) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> s = Files.list(workDir.resolve("logs"))) {
      for (Path p : (Iterable<Path>) s.filter(f -> f.toString().endsWith(".powerfs.log")).sorted()::iterator) {
        sb.append(Files.readString(p));
      }
    }
    return sb.toString();
  }

  @Test
  void powerLossOfTheLeaderOfTwoPeersOrOfAllLosesNoAcknowledgedWriteWithRocksDb() throws Exception {
    runAndAssert(config(5, "rocksdb"));
  }

  @Test
  void powerLossOfTheLeaderOfTwoPeersOrOfAllLosesNoAcknowledgedWriteWithTheMemoryStore() throws Exception {
    runAndAssert(config(6, "memory"));
  }
}
