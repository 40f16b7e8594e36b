package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths and the shared harness configuration for the integration tests (failsafe passes raftkv.home and raftkv.jar). */
final class ItSupport {
  private ItSupport() {}

  static Path home() {
    return Path.of(System.getProperty("raftkv.home", ".")).toAbsolutePath();
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("raftkv.jar",
        home().resolve("target").resolve("raft-kv.jar").toString()));
    assertTrue(Files.isRegularFile(jar),
        "runnable jar missing: " + jar + " (mvn package builds it before the ITs)");
    return jar;
  }

  /**
   * The harness configuration the CI runs share: 3 peers, at most 100,000 operations, 2 set and 2
   * counter clients, 400 operations per register generation; each test sets its own timing.
   */
  static VerifyRun.Config config(String faults, long seed, String store) {
    VerifyRun.Config c = new VerifyRun.Config();
    c.peers = 3;
    c.store = store;
    c.faults = Nemesis.Fault.parse(faults);
    c.seed = seed;
    c.maxOps = 100_000;
    c.jar = jar();
    c.workDir = workDir();
    c.workload.setThreads = 2;
    c.workload.counterThreads = 2;
    c.workload.opsPerRegisterGeneration = 400;
    return c;
  }

  /** Where runs keep their logs and histories when they fail. */
  static Path workDir() {
    return home().resolve("target").resolve("verify-it");
  }
}
