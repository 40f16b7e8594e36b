package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.command.Commands;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection and server commands, in RESP2 and after HELLO 3 in RESP3, compared byte for byte
 * with a real redis-server 7.0 (started with {@code --databases 1}, like raft-kv) through a
 * follower of a 3-peer cluster. Data-type commands that are not in the command table yet are
 * skipped by {@link #sameIfSupported}, so their RESP3 shapes are checked as soon as they exist.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConnectionCompatIT {
  @TempDir static Path dir;
  static Process redis;
  static int redisPort;
  static TestCluster cluster;
  RawClient toRedis;
  RawClient toRaftKv;

  /** A client that returns each reply as its raw bytes, RESP2 or RESP3. */
  static final class RawClient implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    RawClient(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(15_000);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    String call(String... args) throws IOException {
      send(args);
      ByteArrayOutputStream reply = new ByteArrayOutputStream();
      readReply(reply);
      return reply.toString(StandardCharsets.UTF_8);
    }

    /** Reads one more reply. */
    String read() throws IOException {
      ByteArrayOutputStream reply = new ByteArrayOutputStream();
      readReply(reply);
      return reply.toString(StandardCharsets.UTF_8);
    }

    /** Sends a command without reading a reply (for commands whose reply is not written). */
    void send(String... args) throws IOException {
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        req.writeBytes(b);
        req.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      out.write(req.toByteArray());
      out.flush();
    }

    private String line(ByteArrayOutputStream copy) throws IOException {
      StringBuilder sb = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new EOFException();
        }
        copy.write(c);
        if (c != '\r') {
          sb.append((char) c);
        }
      }
      copy.write('\n');
      return sb.toString();
    }

    private void readReply(ByteArrayOutputStream copy) throws IOException {
      String l = line(copy);
      char t = l.charAt(0);
      switch (t) {
        case '$', '=', '!' -> {
          int n = Integer.parseInt(l.substring(1));
          if (n >= 0) {
            copy.write(in.readNBytes(n + 2));
          }
        }
        case '*', '~', '>' -> {
          int n = Integer.parseInt(l.substring(1));
          for (int i = 0; i < n; i++) {
            readReply(copy);
          }
        }
        case '%' -> {
          int n = Integer.parseInt(l.substring(1));
          for (int i = 0; i < 2 * n; i++) {
            readReply(copy);
          }
        }
        case '|' -> { // attributes, then the reply they describe
          int n = Integer.parseInt(l.substring(1));
          for (int i = 0; i < 2 * n + 1; i++) {
            readReply(copy);
          }
        }
        default -> { } // + - : , _ # ( are one line
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-server")), "redis-server not installed");
    redisPort = TestCluster.freePort();
    redis = new ProcessBuilder("/usr/bin/redis-server", "--port", Integer.toString(redisPort), "--bind",
        "127.0.0.1", "--save", "", "--appendonly", "no", "--databases", "1",
        "--enable-debug-command", "yes") // raft-kv has DEBUG PROTOCOL
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "memory"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket("127.0.0.1", redisPort)) {
        break;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (redis != null) {
      redis.destroyForcibly().waitFor();
    }
  }

  /**
   * CLIENT REPLY OFF silences every reply until ON; SKIP silences its own and the next command's;
   * in RESP3, subscription confirmations are push frames and still arrive (Redis's pubsub.tcl,
   * "PubSub messages with CLIENT REPLY OFF"). A silenced reply would be read in place of the
   * next one and fail the comparison.
   */
  @Test
  void debugQuicklistPackedThresholdChecksItsArgumentLikeRedis() throws Exception {
    for (String size : new String[] {"1b", "5B", "1kb", "5gb", "abc", "-1", "0"}) {
      same("DEBUG", "QUICKLIST-PACKED-THRESHOLD", size);
    }
    same("DEBUG", "QUICKLIST-PACKED-THRESHOLD");
  }

  @Test
  void clientReplyOffAndSkipSilenceRepliesButNotPushes() throws Exception {
    for (RawClient c : List.of(toRedis, toRaftKv)) {
      c.send("CLIENT", "REPLY", "OFF");
      c.send("SET", "a", "1");
      c.send("GET", "a");
      c.send("NOSUCHCOMMAND");
      c.send("CLIENT", "REPLY", "SKIP");
    }
    same("CLIENT", "REPLY", "ON");
    for (RawClient c : List.of(toRedis, toRaftKv)) {
      c.send("CLIENT", "REPLY", "SKIP");
      c.send("SET", "b", "2");
    }
    same("GET", "b");
    same("GET", "a");
    same("CLIENT", "REPLY", "maybe");
    // RESP2 too: subscription confirmations are written under CLIENT REPLY OFF (Redis 7.0)
    for (RawClient c : List.of(toRedis, toRaftKv)) {
      c.send("CLIENT", "REPLY", "OFF");
    }
    same("PSUBSCRIBE", "x*");
    same("PUNSUBSCRIBE", "x*");
    same("CLIENT", "REPLY", "ON");
    both("HELLO", "3"); // the replies differ in server fields and the client id
    for (RawClient c : List.of(toRedis, toRaftKv)) {
      c.send("CLIENT", "REPLY", "OFF");
    }
    same("SUBSCRIBE", "ch");
    same("PSUBSCRIBE", "c*");
    for (RawClient c : List.of(toRedis, toRaftKv)) {
      c.send("PING");
    }
    same("UNSUBSCRIBE", "ch");
    same("CLIENT", "REPLY", "ON");
    same("PUNSUBSCRIBE");
  }

  /**
   * DEBUG PROTOCOL answers each RESP type as Redis does, in RESP2 and in RESP3 (Redis's
   * protocol.tcl: attributes, big numbers, booleans, verbatim strings); DEBUG's other subcommands
   * are not there.
   */
  @Test
  void debugProtocolGivesEachReplyTypeInBothProtocols() throws Exception {
    String[] types = {"string", "integer", "double", "bignum", "null", "array", "set", "map",
        "attrib", "push", "verbatim", "true", "false", "nosuchtype"};
    for (String t : types) {
      same("DEBUG", "PROTOCOL", t);
    }
    same("DEBUG", "PROTOCOL");
    both("HELLO", "3");
    for (String t : types) {
      same("DEBUG", "PROTOCOL", t);
      if (t.equals("push")) {
        assertEquals(toRedis.read(), toRaftKv.read(), "the reply after the push frame");
      }
    }
    both("HELLO", "2");
  }

  @BeforeEach
  void connect() throws Exception {
    toRedis = new RawClient(redisPort);
    toRaftKv = new RawClient(cluster.redisPorts[cluster.aFollower()]);
    same("FLUSHALL");
  }

  @AfterEach
  void disconnect() throws Exception {
    toRedis.close();
    toRaftKv.close();
  }

  private String same(String... command) throws IOException {
    String expected = toRedis.call(command);
    String actual = toRaftKv.call(command);
    assertEquals(expected, actual, () -> "reply to " + String.join(" ", command));
    return actual;
  }

  /** {@link #same} for a command raft-kv has; skipped (and sent to neither) until it exists. */
  private void sameIfSupported(String... command) throws IOException {
    if (Commands.lookup(command[0].getBytes(StandardCharsets.UTF_8)) != null) {
      same(command);
    }
  }

  private void script(String lines) throws IOException {
    for (String line : lines.split("\n")) {
      String t = line.strip();
      if (!t.isEmpty()) {
        sameIfSupported(t.split(" +"));
      }
    }
  }

  private void both(String... command) throws IOException {
    toRedis.call(command);
    toRaftKv.call(command);
  }

  /** The connection and server commands' errors and fixed replies, in the given protocol. */
  private void connectionCommands() throws IOException {
    script("""
        PING
        PING hello
        PING a b
        ECHO x
        ECHO
        SELECT 0
        SELECT 1
        SELECT -1
        SELECT x
        SELECT 9999999999
        AUTH pw
        AUTH default pw
        AUTH bob pw
        AUTH a b c
        HELLO 4
        HELLO x
        HELLO 3 FOO
        HELLO 3 SETNAME
        HELLO 3 SETNAME a b
        HELLO 3 AUTH bob x
        CLIENT SETNAME app
        CLIENT GETNAME
        CLIENT SETNAME
        CLIENT ID x
        CLIENT INFO x
        CLIENT FOO
        CLIENT LIST foo
        CLIENT LIST TYPE foo
        CLIENT LIST TYPE master
        CLIENT LIST ID abc
        CLIENT LIST ID 0
        CLIENT LIST ID -5
        CLIENT KILL 1.2.3.4:5
        CLIENT KILL ID 0
        CLIENT KILL ID abc
        CLIENT KILL ID 1 SKIPME maybe
        CLIENT KILL FOO bar
        CLIENT KILL TYPE foo
        CLIENT KILL USER bob
        CLIENT KILL TYPE master
        CLIENT NO-EVICT on
        CLIENT NO-EVICT x
        CLIENT NO-EVICT
        CLIENT SETNAME
        CLIENT SETNAME
        CONFIG GET maxmemory
        CONFIG GET MAXMEMORY
        CONFIG GET databases
        CONFIG GET save
        CONFIG GET maxmemory maxmemory
        CONFIG GET nothing*
        CONFIG GET
        CONFIG SET foo bar
        CONFIG SET maxmemory 0 foo bar
        CONFIG SET maxmemory
        CONFIG SET maxmemory 0 save
        CONFIG SET maxmemory 0
        CONFIG SET hash-max-ziplist-entries 16
        CONFIG GET hash-max-ziplist-entries
        CONFIG GET hash-max-listpack-entries
        CONFIG SET list-max-listpack-size -3
        CONFIG GET list-max-ziplist-size
        CONFIG SET set-max-intset-entries abc
        CONFIG SET hash-max-ziplist-entries -1
        CONFIG SET list-compress-depth -1
        CONFIG SET zset-max-ziplist-value 10 zset-max-listpack-value 11
        CONFIG GET zset-max-ziplist-value
        CONFIG SET set-max-intset-entries 512 hash-max-ziplist-entries 128 list-max-listpack-size -2 zset-max-listpack-value 64
        CONFIG GET set-max-intset-entries
        CONFIG GET zset-max-listpack-value
        CONFIG RESETSTAT x
        CONFIG FOO
        COMMAND INFO nothing
        COMMAND DOCS nothing
        COMMAND COUNT x
        COMMAND FOO
        COMMAND LIST FOO
        COMMAND LIST FILTERBY FOO x
        COMMAND LIST FILTERBY PATTERN zz*
        WAIT 0 x
        WAIT 0 -1
        WAIT x 0
        WAIT 0
        TIME x
        RESET x
        INFO nosuchsection
        INFO keyspace
        """);
    both("SET k v");
    same("INFO", "keyspace");
    same("CLIENT", "SETNAME", "a b");
    same("HELLO", "3", "SETNAME", "a b");
    same("ECHO", "");
  }

  /** Data-type replies whose RESP3 shape differs from RESP2 (maps, sets, doubles, pairs, nulls). */
  private void dataShapes() throws IOException {
    script("""
        GET nokey
        SET k v
        MGET k nokey
        HSET h f v
        HGETALL h
        HGETALL nokey
        HKEYS h
        HMGET h f nofield
        HRANDFIELD h 1 WITHVALUES
        SADD s a
        SMEMBERS s
        SMEMBERS nokey
        SINTER s
        SUNION s nokey
        SDIFF s nokey
        SPOP nokey 2
        ZADD z 1 a 2.5 b
        ZSCORE z a
        ZSCORE z nope
        ZMSCORE z a nope
        ZINCRBY z 0.1 a
        ZADD z INCR 1 a
        ZADD z NX INCR 1 a
        ZRANGE z 0 -1 WITHSCORES
        ZRANGE z 0 -1
        ZRANGEBYSCORE z -inf +inf WITHSCORES
        ZREVRANGE z 0 -1 WITHSCORES
        ZRANGE z 0 -1 REV WITHSCORES
        ZSCAN z 0
        ZPOPMIN nokey
        ZPOPMAX z
        ZPOPMIN z 1
        LPUSH l a b
        LPOP nokey 2
        LPOS l x
        LRANGE l 0 -1
        """);
  }

  @Test
  void connectionCommandsInResp2() throws Exception {
    connectionCommands();
    dataShapes();
  }

  @Test
  void connectionCommandsAndDataShapesInResp3() throws Exception {
    String r = toRedis.call("HELLO", "3");
    String k = toRaftKv.call("HELLO", "3");
    assertTrue(r.startsWith("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), r);
    assertTrue(k.startsWith("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"), k);
    String tail = "$5\r\nproto\r\n:3\r\n";
    assertTrue(r.contains(tail) && k.contains(tail), k);
    assertTrue(k.endsWith("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"), k);
    connectionCommands();
    dataShapes();
    String info = toRaftKv.call("CLIENT", "INFO");
    assertTrue(info.startsWith("=") && info.contains("\r\ntxt:id=") && info.contains(" resp=3 "), info);
    assertTrue(info.contains(" cmd=client|info "), info);
    assertEquals("+RESET\r\n", toRaftKv.call("RESET"));
    assertEquals("$-1\r\n", toRaftKv.call("GET", "nokey"), "RESET goes back to RESP2");
  }

  @Test
  void commandInfoHasRedisFlagsKeysAndCategoriesInBothProtocols() throws Exception {
    for (String proto : new String[] {"2", "3"}) {
      both("HELLO", proto);
      for (String c : new String[] {"get", "set", "mget", "mset", "del", "ping", "dbsize"}) {
        String r = toRedis.call("COMMAND", "INFO", c);
        String k = toRaftKv.call("COMMAND", "INFO", c);
        // name, arity, flags, first/last/step and ACL categories are identical; tips, key specs
        // and subcommands (the last three elements) are left empty by raft-kv
        int cut = nthElementStart(r, 7);
        assertEquals(r.substring(0, cut), k.substring(0, nthElementStart(k, 7)),
            "COMMAND INFO " + c + " in RESP" + proto);
      }
      String docs = toRaftKv.call("COMMAND", "DOCS", "get");
      String expected = "3".equals(proto)
          ? "%1\r\n$3\r\nget\r\n%3\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
          : "*2\r\n$3\r\nget\r\n*6\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n";
      assertTrue(docs.startsWith(expected), docs);
      assertEquals(":" + Commands.all().size() + "\r\n", toRaftKv.call("COMMAND", "COUNT"));
    }
  }

  /** Offset of element n (0-based) of the single-command COMMAND INFO reply {@code *1 *10 ...}. */
  static int nthElementStart(String reply, int n) throws IOException {
    byte[] b = reply.getBytes(StandardCharsets.UTF_8);
    int[] pos = {0};
    skipLine(b, pos); // *1
    skipLine(b, pos); // *10
    for (int i = 0; i < n; i++) {
      skipValue(b, pos);
    }
    return pos[0];
  }

  private static String skipLine(byte[] b, int[] pos) {
    int start = pos[0];
    while (b[pos[0]] != '\n') {
      pos[0]++;
    }
    pos[0]++;
    return new String(b, start, pos[0] - start - 2, StandardCharsets.UTF_8);
  }

  private static void skipValue(byte[] b, int[] pos) {
    String l = skipLine(b, pos);
    char t = l.charAt(0);
    if (t == '$' || t == '=') {
      int n = Integer.parseInt(l.substring(1));
      if (n >= 0) {
        pos[0] += n + 2;
      }
    } else if (t == '*' || t == '~' || t == '%') {
      int n = Integer.parseInt(l.substring(1)) * (t == '%' ? 2 : 1);
      for (int i = 0; i < n; i++) {
        skipValue(b, pos);
      }
    }
  }

  @Test
  void clientListShowsEveryConnectionOfThePeerAndKillClosesOne() throws Exception {
    int port = cluster.redisPorts[cluster.aFollower()];
    try (RawClient other = new RawClient(port); RawClient third = new RawClient(port)) {
      assertEquals("+OK\r\n", other.call("CLIENT", "SETNAME", "other"));
      String id = third.call("CLIENT", "ID").substring(1).strip();
      String list = toRaftKv.call("CLIENT", "LIST");
      assertTrue(list.contains(" name=other ") && list.contains("id=" + id + " "), list);
      assertTrue(list.split("\n").length >= 3, list);
      assertEquals(":1\r\n", toRaftKv.call("CLIENT", "KILL", "ID", id));
      assertThrowsEof(third);
      assertTrue(!toRaftKv.call("CLIENT", "LIST").contains("id=" + id + " "));
    }
  }

  private static void assertThrowsEof(RawClient c) {
    try {
      c.call("PING");
    } catch (IOException expected) {
      return;
    }
    throw new AssertionError("the killed connection still answers");
  }

  @Test
  void waitAnswersTheNumberOfOtherPeersAtOnceAndInfoHasTheUsualSections() throws Exception {
    assertEquals("+OK\r\n", toRaftKv.call("CONFIG", "RESETSTAT"));
    assertEquals(":2\r\n", toRaftKv.call("WAIT", "2", "0"));
    toRaftKv.call("SET", "a", "1");
    toRaftKv.call("SET", "b", "2", "EX", "100");
    toRaftKv.call("GET", "b"); // INFO is local: a linearizable read first makes this peer apply the SETs
    String info = toRaftKv.call("INFO", "everything");
    for (String s : new String[] {"# Server", "# Clients", "# Memory", "# Persistence\r\nloading:0",
        "# Stats", "# Commandstats", "cmdstat_set:calls=", "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0",
        "# Raft\r\nraft_id:"}) {
      assertTrue(info.contains(s), s + " in " + info);
    }
    assertTrue(!toRaftKv.call("INFO").contains("# Commandstats"), "commandstats is not a default section");
    List<String> got = new ArrayList<>();
    for (String l : toRaftKv.call("INFO", "commandstats").split("\r\n")) {
      if (l.startsWith("cmdstat_info:") || l.startsWith("cmdstat_wait:")) {
        got.add(l.substring(0, l.indexOf(',')));
      }
    }
    assertEquals(List.of("cmdstat_info:calls=2", "cmdstat_wait:calls=1"), got, "INFO everything, INFO");
    toRaftKv.call("GET");
    toRaftKv.call("NOSUCHCOMMAND");
    assertTrue(toRaftKv.call("INFO", "errorstats").contains("errorstat_ERR:count=2\r\n"));
  }
}
