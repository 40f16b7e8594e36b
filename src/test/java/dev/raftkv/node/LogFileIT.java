package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/raftkv with RAFTKV_LOG_FILE (what bin/start-node.sh sets): a real one-peer cluster process
 * writes its event lines, peer id first, both to the console and to the log file; the level
 * comes from RAFTKV_LOG_LEVEL.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LogFileIT {
  @TempDir
  Path dir;

  @Test
  void aPeerStartedWithALogFileWritesItsRoleChangeThereAndOnTheConsole() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    Path jar = root.resolve("target/raft-kv.jar");
    assertTrue(Files.isRegularFile(jar), "run after mvn package: " + jar);
    Path peers = dir.resolve("peers.conf");
    Files.writeString(peers, "solo 127.0.0.1:" + TestCluster.freePort() + " 127.0.0.1:" + TestCluster.freePort() + "\n");
    Path logFile = dir.resolve("logs/solo.log");
    Path console = dir.resolve("console.out");
    ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/raftkv").toString(), "server", "--id", "solo",
        "--peers", peers.toString(), "--data-dir", dir.resolve("solo").toString())
        .redirectErrorStream(true).redirectOutput(console.toFile());
    pb.environment().put("RAFTKV_NO_BUILD", "1");
    pb.environment().put("RAFTKV_LOG_FILE", logFile.toString());
    pb.environment().put("RAFTKV_LOG_LEVEL", "DEBUG");
    pb.environment().put("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC");
    Process p = pb.start();
    try {
      TestCluster.eventually(Duration.ofSeconds(90), () -> contains(logFile, "solo: this peer is now the leader")
          || !p.isAlive(), "the leader line is in " + logFile);
      assertTrue(p.isAlive(), "the peer runs: " + read(console));
      assertTrue(contains(logFile, "solo: serving Redis clients on"), read(logFile));
      assertTrue(contains(console, "solo: this peer is now the leader"), "console too: " + read(console));
      assertTrue(contains(logFile, "solo: configuration changed at index")
          || contains(logFile, "solo: leader ready"), read(logFile));
      assertTrue(read(logFile).contains(" DEBUG "), "RAFTKV_LOG_LEVEL=DEBUG reaches the root logger");
    } finally {
      p.destroy(); // SIGTERM: a clean stop
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    assertTrue(contains(logFile, "solo: stopped"), read(logFile));
  }

  private static boolean contains(Path f, String s) {
    return read(f).contains(s);
  }

  private static String read(Path f) {
    try {
      return Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
