package dev.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/raftkv's choice of Java, run for real: RAFTKV_JAVA wins, a missing one is one clear error,
 * and whichever JDK it picks by itself starts without JVM warnings on the console.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LauncherScriptIT {
  @TempDir
  Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    Path root = Path.of("").toAbsolutePath();
    assertTrue(Files.isRegularFile(root.resolve("target/raft-kv.jar")), "run after mvn package");
    String[] cmd = new String[args.length + 1];
    cmd[0] = root.resolve("bin/raftkv").toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("JAVA_HOME");
    pb.environment().remove("RAFTKV_JAVA");
    pb.environment().put("RAFTKV_NO_BUILD", "1");
    pb.environment().putAll(env);
    Path out = Files.createTempFile("launcher", ".out");
    Path err = Files.createTempFile("launcher", ".err");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/raftkv finished");
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Test
  void theJdkItPicksByItselfRunsTheLauncherWithoutWarnings() throws Exception {
    Run r = run(Map.of(), "--version");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("raft-kv "), r.toString());
    assertTrue(!r.err().contains("WARNING"), "no JVM warnings on the console: " + r.err());
  }

  @Test
  void raftkvJavaChoosesTheJavaThatRuns() throws Exception {
    Path real = Path.of(System.getProperty("java.home"), "bin", "java");
    Path marker = dir.resolve("ran");
    Path wrapper = dir.resolve("java");
    Files.writeString(wrapper, "#!/usr/bin/env bash\necho \"$@\" >> '" + marker + "'\nexec '" + real + "' \"$@\"\n",
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    Run r = run(Map.of("RAFTKV_JAVA", wrapper.toString()), "--version");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("raft-kv "), r.toString());
    String calls = Files.readString(marker);
    assertTrue(calls.contains("-jar"), "the launcher ran the jar with RAFTKV_JAVA: " + calls);
  }

  @Test
  void aRaftkvJavaThatIsNotThereIsOneClearError() throws Exception {
    Run r = run(Map.of("RAFTKV_JAVA", dir.resolve("no-such-java").toString()), "--version");
    assertNotEquals(0, r.code(), r.toString());
    assertEquals("raftkv: " + dir.resolve("no-such-java") + " is not an executable java (check RAFTKV_JAVA)\n",
        r.err(), r.toString());
  }
}
