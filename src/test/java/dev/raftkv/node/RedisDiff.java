package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.raftkv.verify.RespClient;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Differential testing: the same commands go to a real redis-server and to a 3-peer raft-kv
 * cluster (through a follower, so writes are forwarded and reads are follower ReadIndex reads),
 * and the replies must be identical: values, integers, nils, arrays and error texts.
 *
 * <p>One per test class, as a JUnit extension: {@code @RegisterExtension static final RedisDiff
 * diff = new RedisDiff("rocksdb");} starts both before the first test (in a temporary directory),
 * flushes both before each test and stops both after the last. Or by hand: {@link
 * #RedisDiff(Path, String)}, then {@link #close()}. Skipped when redis-server is not installed.
 */
final class RedisDiff implements AutoCloseable, BeforeAllCallback, AfterAllCallback,
    BeforeEachCallback {
  private final String store;
  private Path tempDir;
  private int classesRunning;
  private Process redis;
  private int redisPort;
  private TestCluster cluster;
  private RespClient toRedis;
  private RespClient toRaftKv;

  /** The extension form: started in {@code beforeAll}, see the class comment. */
  RedisDiff(String store) {
    this.store = store;
  }

  /** Started now, in {@code dir}; the caller closes it. */
  RedisDiff(Path dir, String store) throws Exception {
    this.store = store;
    start(dir);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    // @Nested classes inherit the extension: start once, for the outermost class
    if (classesRunning++ == 0) {
      tempDir = Files.createTempDirectory("raftkv-redisdiff-");
      start(tempDir);
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    flushAll();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (--classesRunning > 0) {
      return;
    }
    try {
      close();
    } finally {
      dev.raftkv.util.Dirs.deleteRecursively(tempDir);
    }
  }

  private void start(Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-server")),
        "redis-server not installed");
    int port = TestCluster.freePort();
    redisPort = port;
    redis = new ProcessBuilder("/usr/bin/redis-server", "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--enable-debug-command", "yes")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    TestCluster c = null;
    try {
      awaitPort(port);
      c = new TestCluster(dir, 3, Map.of("raftkv.store", store));
      toRedis = new RespClient("127.0.0.1", port, 2000, 15_000);
      toRaftKv = new RespClient("127.0.0.1", c.redisPorts[c.aFollower()], 2000, 15_000);
    } catch (Exception | Error e) {
      if (c != null) {
        c.close();
      }
      redis.destroyForcibly().waitFor();
      throw e;
    }
    cluster = c;
  }

  /** Waits up to 10 s until something accepts connections on this loopback port. */
  static void awaitPort(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  /** A new client of the redis-server (for exchanges whose replies legitimately differ, e.g. SCAN cursors). */
  RespClient redisClient() throws IOException {
    return new RespClient("127.0.0.1", redisPort, 2000, 15_000);
  }

  TestCluster cluster() {
    return cluster;
  }

  /** The redis-server's port (for a client of its own, e.g. raw RESP3 bytes). */
  int redisPort() {
    return redisPort;
  }

  /** The port of the raft-kv follower this diff talks to. */
  int raftKvPort() {
    return cluster.redisPorts[cluster.aFollower()];
  }

  /** Sends one command to both and returns {redis reply, raft-kv reply}. */
  Object[] both(String... command) throws IOException {
    return new Object[] {toRedis.call(command), toRaftKv.call(command)};
  }

  /** Sends one command to both, requires identical replies and returns the reply. */
  Object same(String... command) throws IOException {
    Object[] r = both(command);
    assertEquals(r[0], r[1], () -> "reply to " + Arrays.toString(command));
    return r[1];
  }

  /**
   * The same bytes under the key on both, also for binary values (replies are decoded as UTF-8):
   * the length, then every byte as a BITFIELD_RO u8 field.
   */
  void sameBytes(String key) throws IOException {
    sameBytes(key, 0);
  }

  /** {@link #sameBytes(String)} from byte {@code start} on. */
  void sameBytes(String key, long start) throws IOException {
    long n = (Long) same("STRLEN", key);
    for (long from = start; from < n; from += 64) {
      List<String> c = new java.util.ArrayList<>(List.of("BITFIELD_RO", key));
      for (long i = from; i < Math.min(n, from + 64); i++) {
        c.addAll(List.of("GET", "u8", "#" + i));
      }
      same(c.toArray(new String[0]));
    }
  }

  /** {@link #same} for each command in turn. */
  void same(List<String[]> commands) throws IOException {
    for (String[] c : commands) {
      same(c);
    }
  }

  /**
   * {@link #same} for each line, split on spaces (no quoting: for commands without spaces in args).
   * A line starting with {@code ~} (e.g. {@code ~TTL k}) must give integers that are equal when
   * negative and within 2 of each other otherwise: for remaining times, which depend on when each
   * server received the command.
   */
  void script(String lines) throws IOException {
    for (String line : lines.split("\n")) {
      String t = line.strip();
      if (t.startsWith("~")) {
        close(t.substring(1).split(" +"));
      } else if (!t.isEmpty() && !t.startsWith("#")) {
        same(t.split(" +"));
      }
    }
  }

  /** Integer replies within 2 of each other (equal when either is negative). */
  void close(String... command) throws IOException {
    Object[] r = both(command);
    String what = Arrays.toString(command) + ": " + r[0] + " vs " + r[1];
    if (!(r[0] instanceof Long a) || !(r[1] instanceof Long b)) {
      throw new AssertionError("integer replies expected to " + what);
    }
    if (a < 0 || b < 0 ? !a.equals(b) : Math.abs(a - b) > 2) {
      throw new AssertionError("replies too far apart to " + what);
    }
  }

  void flushAll() throws IOException {
    toRedis.call("FLUSHALL");
    toRaftKv.call("FLUSHALL");
  }

  @Override
  public void close() throws Exception {
    if (toRedis != null) {
      toRedis.close();
    }
    if (toRaftKv != null) {
      toRaftKv.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (redis != null) {
      redis.destroyForcibly().waitFor();
    }
  }
}
