package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths for the integration tests (failsafe passes raftkv.home and raftkv.jar). */
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

  /** Where runs keep their logs and histories when they fail. */
  static Path workDir() {
    return home().resolve("target").resolve("verify-it");
  }
}
