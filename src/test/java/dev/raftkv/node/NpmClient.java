package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A Node.js client from src/test/resources/clients/NAME (its package.json and the versions pinned
 * in its package-lock.json), installed with {@code npm ci} in a work directory, and a way to run
 * it with a time limit. Tests that use one are skipped without node and npm, except in CI.
 */
final class NpmClient {
  record Result(int exit, String output) {}

  private NpmClient() {}

  /** NAME's files copied to {@code workRoot}/NAME and installed there (once); returns that directory. */
  static Path installed(Path workRoot, String name, List<String> files) throws Exception {
    boolean ci = "true".equals(System.getenv("CI"));
    boolean tools = run(Path.of("."), 30, "node", "--version").exit == 0
        && run(Path.of("."), 30, "npm", "--version").exit == 0;
    if (!ci) {
      Assumptions.assumeTrue(tools, "node and npm are not installed");
    }
    assertTrue(tools, "CI must have node and npm (.ci/run installs them)");
    Path work = workRoot.resolve(name);
    if (Files.isDirectory(work.resolve("node_modules"))) {
      return work;
    }
    Path src = Path.of(System.getProperty("raftkv.home", ".")).resolve("src/test/resources/clients").resolve(name);
    Files.createDirectories(work);
    for (String f : files) {
      Files.copy(src.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    Result install = run(work, 240, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
    assertEquals(0, install.exit, "npm ci: " + install.output);
    return work;
  }

  /** Runs {@code cmd} in {@code cwd}; past {@code seconds} it and its children are destroyed (exit -2). */
  static Result run(Path cwd, int seconds, String... cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      return new Result(-1, e.toString());
    }
    p.getOutputStream().close();
    StringBuilder out = new StringBuilder();
    Thread reader = new Thread(() -> {
      try {
        out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        out.append(e);
      }
    });
    reader.start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      reader.join(5000);
      return new Result(-2, "timed out after " + seconds + " s: " + out);
    }
    reader.join(5000);
    return new Result(p.exitValue(), out.toString());
  }
}
