package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The command-line tools and a scripting-language client, unchanged, against a real 3-peer
 * cluster through a follower: redis-benchmark's whole default suite (with and without random keys,
 * and pipelined), redis-cli's output modes, an interactive session fed through stdin and
 * {@code --pipe} bulk loading, and Debian's python3-redis running
 * {@code src/test/resources/clients/redis_py_e2e.py}. Where redis-cli prints replies, the bytes
 * are compared with what it prints for a real redis-server given the same commands.
 *
 * <p>Every process is started here, bounded in time and stopped through its own handle.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClientToolsIT {
  static final Path REDIS_CLI = Path.of("/usr/bin/redis-cli");
  static final Path REDIS_BENCHMARK = Path.of("/usr/bin/redis-benchmark");
  static final Path REDIS_SERVER = Path.of("/usr/bin/redis-server");
  static final Duration TOOL_LIMIT = Duration.ofSeconds(30);
  static final Duration BENCH_LIMIT = Duration.ofSeconds(120);

  /** Every test of redis-benchmark 7.0's default suite, as its -q summary lines name them. */
  static final List<String> DEFAULT_SUITE = List.of("PING_INLINE", "PING_MBULK", "SET", "GET",
      "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN",
      "LPUSH (needed to benchmark LRANGE)", "LRANGE_100 (first 100 elements)",
      "LRANGE_300 (first 300 elements)", "LRANGE_500 (first 500 elements)",
      "LRANGE_600 (first 600 elements)", "MSET (10 keys)");

  /** "SET: 1234.56 requests per second, p50=..." (redis-benchmark -q). */
  static final Pattern SUMMARY = Pattern.compile("^(.+): ([0-9.]+) requests per second");

  /**
   * What redis-benchmark prints when something goes wrong: "Error from server: ERR ...", a
   * WRONGTYPE text, "WARNING: Could not fetch server CONFIG", connection errors.
   */
  static final Pattern TROUBLE = Pattern.compile(
      "(?i)\\b(err|error|wrongtype|warning|could not|closed|refused|reset|timed? ?out|invalid)\\b");

  @TempDir static Path dir;
  static TestCluster cluster;
  static Process redisServer;
  static int redisPort;

  @BeforeAll
  static void start() throws Exception {
    for (Path tool : List.of(REDIS_CLI, REDIS_BENCHMARK, REDIS_SERVER)) {
      Assumptions.assumeTrue(Files.isExecutable(tool), tool + " not installed (redis-tools)");
    }
    redisPort = TestCluster.freePort();
    redisServer = new ProcessBuilder(REDIS_SERVER.toString(), "--port", Integer.toString(redisPort),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    RedisDiff.awaitPort(redisPort);
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "rocksdb"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (redisServer != null) {
      redisServer.destroy();
      if (!redisServer.waitFor(10, TimeUnit.SECONDS)) {
        redisServer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @BeforeEach
  void flush() throws Exception {
    try (Jedis j = cluster.client(cluster.leader())) {
      j.flushAll();
    }
    run(TOOL_LIMIT, null, cli(redisPort, "FLUSHALL"));
  }

  // ---------------------------------------------------------------------------------------------
  // redis-benchmark

  @Test
  void redisBenchmarksWholeDefaultSuiteRunsWithoutAnErrorLine() throws Exception {
    int follower = cluster.aFollower();
    for (String[] extra : List.of(new String[0], new String[] {"-r", "1000"})) {
      List<String> args = new ArrayList<>(List.of(REDIS_BENCHMARK.toString(), "-h", "127.0.0.1",
          "-p", Integer.toString(port(follower)), "-n", "2000", "-c", "50", "-P", "1", "-q"));
      args.addAll(List.of(extra));
      Result r = run(BENCH_LIMIT, null, args);
      List<String> names = benchmarkSummaries(r, args);
      assertEquals(DEFAULT_SUITE, names, "tests reported by " + args);
    }
    List<String> pipelined = List.of(REDIS_BENCHMARK.toString(), "-h", "127.0.0.1", "-p",
        Integer.toString(port(follower)), "-n", "5000", "-c", "10", "-P", "8", "-r", "1000",
        "-t", "set,get", "-q");
    assertEquals(List.of("SET", "GET"), benchmarkSummaries(run(BENCH_LIMIT, null, pipelined),
        pipelined));
    // The benchmark's writes went through the log: every peer holds the same keyspace.
    long size = dbsize(follower);
    assertTrue(size > 1000, "keys written by the benchmark: " + size);
    for (int i = 0; i < cluster.nodes.length; i++) {
      assertEquals(size, dbsize(i), "DBSIZE on peer " + i);
    }
  }

  @Test
  void theBenchmarkErrorCheckSeesAnErrorReply() throws Exception {
    // The check above is only as good as its pattern: a command that fails on every request
    // must trip it (redis-benchmark 7.0 prints "Error from server: WRONGTYPE ..." and exits 1).
    int follower = cluster.aFollower();
    run(TOOL_LIMIT, null, cli(port(follower), "SET", "benchstr", "x"));
    List<String> args = List.of(REDIS_BENCHMARK.toString(), "-h", "127.0.0.1", "-p",
        Integer.toString(port(follower)), "-n", "10", "-c", "1", "-q", "LPUSH", "benchstr", "x");
    Result r = run(TOOL_LIMIT, null, args);
    assertNotEquals(0, r.exit, r.toString());
    assertTrue(lines(r.stdout + r.stderr).stream().anyMatch(l -> TROUBLE.matcher(l).find()
            && l.contains("WRONGTYPE Operation against a key holding the wrong kind of value")),
        r.toString());
  }

  /** Requires exit 0 and no error line; returns the test names of the summary lines in order. */
  private static List<String> benchmarkSummaries(Result r, List<String> args) {
    assertEquals(0, r.exit, () -> String.join(" ", args) + " failed: " + r);
    List<String> names = new ArrayList<>();
    for (String line : lines(r.stdout + "\n" + r.stderr)) {
      assertFalse(TROUBLE.matcher(line).find(), () -> "error line from " + args + ": " + line);
      Matcher m = SUMMARY.matcher(line.strip());
      if (m.find()) {
        assertTrue(Double.parseDouble(m.group(2)) > 0, line);
        names.add(m.group(1));
      }
    }
    return names;
  }

  // ---------------------------------------------------------------------------------------------
  // redis-cli

  @Test
  void redisCliPrintsWhatItPrintsForRedisInEveryOutputMode() throws Exception {
    int follower = port(cluster.aFollower());
    byte[] binary = {0, (byte) 0xff, 'a', '\r', '\n', (byte) 0xc3, (byte) 0xa9, '"', '\\'};
    Path binFile = dir.resolve("binary-value");
    Files.write(binFile, binary);
    List<List<String>> setup = List.of(
        List.of("SET", "s", "hello world"),
        List.of("SET", "empty", ""),
        List.of("SET", "multi", "line1\nline2"),
        List.of("SET", "utf", "h\u00e9llo \u2713"),
        List.of("SET", "n", "-42"),
        List.of("RPUSH", "l", "a", "b c", "", "3", "x\ty"),
        List.of("HSET", "h", "f1", "v1", "f2", "", "f 3", "x"),
        List.of("ZADD", "z", "1.5", "a", "2", "b", "-inf", "c"),
        List.of("SADD", "st", "only"),
        List.of("EXPIRE", "n", "1000"));
    for (int port : new int[] {redisPort, follower}) {
      for (List<String> c : setup) {
        Result r = run(TOOL_LIMIT, null, cli(port, c.toArray(String[]::new)));
        assertEquals(0, r.exit, r.toString());
      }
      Result x = run(TOOL_LIMIT, binFile, cli(port, "-x", "SET", "bin"));
      assertEquals("OK\n", x.stdout, "redis-cli -x SET: " + x);
    }
    List<List<String>> reads = List.of(
        List.of("GET", "s"), List.of("GET", "empty"), List.of("GET", "multi"),
        List.of("GET", "utf"), List.of("GET", "bin"), List.of("GET", "nope"),
        List.of("MGET", "s", "nope", "empty"), List.of("INCR", "n"), List.of("TTL", "s"),
        List.of("TTL", "nope"),
        List.of("LRANGE", "l", "0", "-1"), List.of("LRANGE", "nope", "0", "-1"),
        List.of("HGETALL", "h"), List.of("HGETALL", "nope"), List.of("HMGET", "h", "f2", "no"),
        List.of("ZRANGE", "z", "0", "-1", "WITHSCORES"), List.of("SMEMBERS", "st"),
        List.of("TYPE", "l"), List.of("EXISTS", "s", "nope", "s"), List.of("INCR", "s"),
        List.of("LPUSH", "s", "x"), List.of("GET"), List.of("NOSUCH", "arg"));
    for (List<String> mode : List.of(List.of("--raw"), List.of("--no-raw"), List.of("--csv"),
        List.of("-n", "0", "--raw"), List.of("-n", "0", "--no-raw"))) {
      for (List<String> read : reads) {
        List<String> args = new ArrayList<>(mode);
        args.addAll(read);
        Result want = run(TOOL_LIMIT, null, cli(redisPort, args.toArray(String[]::new)));
        Result got = run(TOOL_LIMIT, null, cli(follower, args.toArray(String[]::new)));
        assertEquals(want.withoutPort(redisPort), got.withoutPort(follower),
            "redis-cli " + String.join(" ", args));
      }
    }
    // The reads on the follower saw the writes made through it; the raw bytes survived.
    Result raw = run(TOOL_LIMIT, null, cli(follower, "--raw", "GET", "bin"));
    assertEquals(new String(binary, StandardCharsets.ISO_8859_1) + "\n", raw.stdout);
  }

  @Test
  void anInteractiveSessionThroughStdinMatchesRedisAndPrintsNoWarning() throws Exception {
    int follower = port(cluster.aFollower());
    String session = """
        PING
        SET greeting "hello world"
        GET greeting
        SET "key with spaces" 'single quoted'
        GET "key with spaces"
        APPEND greeting "\\x21\\n"
        GET greeting
        STRLEN greeting
        RPUSH list a "b c" ""
        LRANGE list 0 -1
        HSET hash field value other "two words"
        HGETALL hash
        HGET hash missing
        INCR greeting
        MULTI
        INCR counter
        INCRBY counter 41
        LPUSH greeting x
        EXEC
        ECHO "done"
        SELECT 0
        TTL list
        NOSUCHCOMMAND arg
        GET
        DEL greeting list hash counter "key with spaces"
        DBSIZE
        """;
    Path in = dir.resolve("session.txt");
    Files.writeString(in, session);
    for (List<String> mode : List.of(List.<String>of(), List.of("--no-raw"))) {
      List<String> args = new ArrayList<>(mode);
      Result want = run(TOOL_LIMIT, in, cli(redisPort, args.toArray(String[]::new)));
      Result got = run(TOOL_LIMIT, in, cli(follower, args.toArray(String[]::new)));
      assertEquals("", want.stderr, "redis-server's own session printed to stderr");
      assertEquals("", got.stderr, "warnings from redis-cli " + mode);
      assertEquals(0, got.exit, got.toString());
      assertEquals(want.stdout, got.stdout, "session output, redis-cli " + mode);
      assertTrue(got.stdout.contains("hello world!"), got.stdout);
    }
  }

  @Test
  void redisCliScanAndBigkeysWalkTheWholeKeyspace() throws Exception {
    int follower = port(cluster.aFollower());
    try (Jedis j = cluster.client(cluster.leader())) {
      for (int i = 0; i < 250; i++) {
        j.set("scan:" + i, "v".repeat(i % 7 + 1));
      }
      j.rpush("big:list", "a", "b", "c", "d");
      j.hset("big:hash", Map.of("f", "v", "g", "w"));
      j.sadd("big:set", "x");
      j.zadd("big:zset", 1, "m");
    }
    Result scan = run(TOOL_LIMIT, null, cli(follower, "--scan", "--pattern", "scan:*"));
    assertEquals(0, scan.exit, scan.toString());
    assertEquals("", scan.stderr);
    List<String> keys = new ArrayList<>(lines(scan.stdout));
    keys.sort(null);
    List<String> want = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      want.add("scan:" + i);
    }
    want.sort(null);
    assertEquals(want, keys, "redis-cli --scan: every key once");

    Result big = run(TOOL_LIMIT, null, cli(follower, "--bigkeys"));
    assertEquals(0, big.exit, big.toString());
    assertEquals("", big.stderr);
    for (String line : List.of("Sampled 254 keys in the keyspace!",
        "Biggest   list found '\"big:list\"' has 4 items",
        "Biggest   hash found '\"big:hash\"' has 2 fields",
        "' has 7 bytes",
        "1 lists with 4 items", "1 hashs with 2 fields", "250 strings with 995 bytes",
        "1 sets with 1 members", "1 zsets with 1 members")) {
      assertTrue(big.stdout.contains(line), () -> "--bigkeys lacks \"" + line + "\":\n" + big);
    }
  }

  @Test
  void pipeModeBulkLoadsTenThousandCommandsReadableOnAnotherPeer() throws Exception {
    int follower = cluster.aFollower();
    int other = otherFollower(follower);
    // The mass-insertion format: every command in RESP, as redis-cli --pipe expects.
    ByteArrayOutputStream resp = new ByteArrayOutputStream();
    int commands = 0;
    for (int i = 0; i < 6000; i++) {
      respCommand(resp, "SET", "mass:" + i, "value-" + i);
      commands++;
    }
    for (int i = 0; i < 1000; i++) {
      respCommand(resp, "RPUSH", "mass:list", "e" + i);
      respCommand(resp, "HSET", "mass:hash", "f" + i, Integer.toString(i));
      respCommand(resp, "SADD", "mass:set", "m" + (i % 500));
      respCommand(resp, "ZADD", "mass:zset", Integer.toString(i), "z" + i);
      commands += 4;
    }
    assertEquals(10_000, commands);
    Path file = dir.resolve("mass.resp");
    Files.write(file, resp.toByteArray());
    Result r = run(TOOL_LIMIT, file, cli(port(follower), "--pipe"));
    assertEquals(0, r.exit, r.toString());
    assertTrue(r.stdout.contains("errors: 0, replies: 10000"), r.toString());
    assertEquals("", r.stderr, r.toString());

    try (Jedis j = cluster.client(other)) {
      assertEquals(6004, j.dbSize());
      assertEquals("value-0", j.get("mass:0"));
      assertEquals("value-5999", j.get("mass:5999"));
      assertEquals(1000, j.llen("mass:list"));
      assertEquals(List.of("e998", "e999"), j.lrange("mass:list", -2, -1));
      assertEquals("777", j.hget("mass:hash", "f777"));
      assertEquals(500, j.scard("mass:set"));
      assertEquals(999.0, j.zscore("mass:zset", "z999"));
    }
    Result size = run(TOOL_LIMIT, null, cli(port(other), "DBSIZE"));
    assertEquals("6004\n", size.stdout);

    // Error replies are counted exactly as against Redis (both get the same file).
    ByteArrayOutputStream bad = new ByteArrayOutputStream();
    respCommand(bad, "SET", "pipe:s", "x");
    respCommand(bad, "LPUSH", "pipe:s", "y");
    respCommand(bad, "INCR", "pipe:s");
    respCommand(bad, "GET", "pipe:s");
    respCommand(bad, "NOSUCH");
    Path badFile = dir.resolve("bad.resp");
    Files.write(badFile, bad.toByteArray());
    Result want = run(TOOL_LIMIT, badFile, cli(redisPort, "--pipe"));
    Result got = run(TOOL_LIMIT, badFile, cli(port(follower), "--pipe"));
    assertTrue(want.stdout.contains("errors: 3, replies: 5"), want.toString());
    assertEquals(want, got);
  }

  // ---------------------------------------------------------------------------------------------
  // python3-redis

  @Test
  void debiansPythonRedisRunsItsEndToEndScriptThroughAFollower() throws Exception {
    String python = python();
    Assumptions.assumeTrue(imports(python, "redis"),
        "python3 with the redis module (Debian: python3-redis) is not installed");
    Path script = Path.of(System.getProperty("raftkv.home", "."))
        .resolve("src/test/resources/clients/redis_py_e2e.py");
    int follower = cluster.aFollower();
    Result r = run(Duration.ofSeconds(120), null, List.of(python, script.toString(), "127.0.0.1",
        Integer.toString(port(follower)), Integer.toString(port(otherFollower(follower)))));
    assertEquals(0, r.exit, r.toString());
    assertTrue(r.stdout.contains("redis-py e2e: OK"), r.toString());
  }

  @Test
  void debiansCeleryRunsTasksThroughOnePeerWithItsWorkerOnAnother() throws Exception {
    String python = python();
    boolean installed = imports(python, "celery, redis");
    if (!"true".equals(System.getenv("CI"))) {
      Assumptions.assumeTrue(installed,
          "python3 with celery and redis (Debian: python3-celery, python3-redis) is not installed");
    }
    assertTrue(installed, "CI must have python3-celery (.ci/run installs it)");
    Path script = Path.of(System.getProperty("raftkv.home", "."))
        .resolve("src/test/resources/clients/celery/celery_e2e.py");
    int follower = cluster.aFollower();
    Result r = run(Duration.ofSeconds(150), null, List.of(python, script.toString(), "127.0.0.1",
        Integer.toString(port(cluster.leader())), Integer.toString(port(follower)), "20"));
    assertEquals(0, r.exit, r.toString());
    assertTrue(r.stdout.contains("celery e2e: OK 20 tasks, each run once"), r.toString());
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /** Debian's interpreter (where python3-* packages install) before whatever python3 PATH finds. */
  private static String python() {
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  /** Whether {@code python} can import {@code modules} (a comma list). */
  private static boolean imports(String python, String modules) throws Exception {
    try {
      return run(TOOL_LIMIT, null, List.of(python, "-c", "import " + modules)).exit == 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static int port(int peer) {
    return cluster.redisPorts[peer];
  }

  /** The peer that is neither the leader nor {@code follower}. */
  private static int otherFollower(int follower) {
    int leader = cluster.leader();
    for (int i = 0; i < cluster.nodes.length; i++) {
      if (i != leader && i != follower) {
        return i;
      }
    }
    throw new IllegalStateException("no second follower");
  }

  private static long dbsize(int peer) {
    try (Jedis j = cluster.client(peer)) {
      return j.dbSize();
    }
  }

  private static List<String> cli(int port, String... args) {
    List<String> c = new ArrayList<>(List.of(REDIS_CLI.toString(), "-h", "127.0.0.1", "-p",
        Integer.toString(port)));
    c.addAll(Arrays.asList(args));
    return c;
  }

  private static void respCommand(ByteArrayOutputStream out, String... args) {
    StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
      b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
    }
    out.writeBytes(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Output lines; redis-benchmark separates its progress updates with carriage returns. */
  private static List<String> lines(String output) {
    List<String> out = new ArrayList<>();
    for (String l : output.split("[\r\n]+")) {
      if (!l.isBlank()) {
        out.add(l);
      }
    }
    return out;
  }

  /** Exit code and output of a finished tool run (output decoded as ISO-8859-1: bytes kept). */
  record Result(int exit, String stdout, String stderr) {
    /** The same result with the server's port (e.g. in redis-cli's prompt) replaced by "PORT". */
    Result withoutPort(int port) {
      String p = Integer.toString(port);
      return new Result(exit, stdout.replace(p, "PORT"), stderr.replace(p, "PORT"));
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + tail(stdout) + "\n--- stderr\n" + tail(stderr);
    }

    private static String tail(String s) {
      return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    }
  }

  /**
   * Runs a command with stdin from {@code stdin} (or nothing), output to files (no pipe can fill
   * up), and waits at most {@code limit}; a process still running then is destroyed through its
   * handle, with anything it started, and the test fails.
   */
  static Result run(Duration limit, Path stdin, List<String> command) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(emptyFile())
            : ProcessBuilder.Redirect.from(stdin.toFile()));
    Process p = pb.start();
    try {
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("still running after " + limit + ": " + command + "\n"
            + Files.readString(out, StandardCharsets.ISO_8859_1));
      }
    } finally {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
        Files.readString(err, StandardCharsets.ISO_8859_1));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  private static java.io.File emptyFile() throws IOException {
    Path empty = dir.resolve("empty-stdin");
    if (!Files.exists(empty)) {
      Files.createFile(empty);
    }
    return empty.toFile();
  }
}
