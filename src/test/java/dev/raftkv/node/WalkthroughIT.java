package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's walkthrough with the real scripts, processes and redis-cli: bin/e2e-walkthrough.sh
 * starts three peers with bin/raftkv, stops and restarts one, checks what redis-cli shows, then
 * runs redis-benchmark -t set,get and requires no error or warning.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class WalkthroughIT {
  @Test
  void theSeedWalkthroughWorksWithTheRealScripts() throws Exception {
    Path home = Path.of(System.getProperty("raftkv.home", "."));
    Path log = Files.createTempFile("e2e-walkthrough", ".log");
    ProcessBuilder pb = new ProcessBuilder("bash", "bin/e2e-walkthrough.sh")
        .directory(home.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("RAFTKV_NO_BUILD", "1");
    Process p = pb.start();
    boolean done = p.waitFor(9, TimeUnit.MINUTES);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    assertTrue(done, "the walkthrough finished in time");
    assertEquals(0, p.exitValue(), "e2e walkthrough failed:\n" + output);
    assertTrue(output.contains("e2e walkthrough: OK"), output);
    new File(log.toString()).delete();
  }
}
