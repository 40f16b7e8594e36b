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
    int redisPort = TestCluster.freePort();
    Files.writeString(peers, "solo 127.0.0.1:" + TestCluster.freePort() + " 127.0.0.1:" + redisPort + "\n");
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
      TestCluster.eventually(Duration.ofSeconds(30), () -> contains(logFile, "solo: leader ready"),
          "the leader-ready line is in " + logFile);
      // unparseable framing is logged at DEBUG: RAFTKV_LOG_LEVEL=DEBUG reaches raft-kv's loggers
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", redisPort)) {
        s.getOutputStream().write("*x\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        s.setSoTimeout(10_000);
        assertTrue(s.getInputStream().read() == '-', "an error reply");
      }
      TestCluster.eventually(Duration.ofSeconds(30), () -> read(logFile).contains(" DEBUG "),
          "a DEBUG line is in " + logFile);
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
