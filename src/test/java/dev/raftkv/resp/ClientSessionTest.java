package dev.raftkv.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.command.Packed;
import dev.raftkv.command.TransactionCommands;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The real RESP pipeline on an EmbeddedChannel. The backend completes replies when the test says
 * so, in any order, to check that replies still leave in request order.
 */
class ClientSessionTest {

  /** Records what reached the backend; the test completes each reply. */
  static final class ManualBackend implements Backend {
    final List<String> calls = new ArrayList<>();
    final List<CompletableFuture<byte[]>> futures = new ArrayList<>();
    final List<byte[][]> argvs = new ArrayList<>();

    private CompletableFuture<byte[]> record(String kind, byte[][] argv) {
      argvs.add(argv);
      StringBuilder sb = new StringBuilder(kind);
      for (byte[] a : argv) {
        sb.append(' ').append(new String(a, StandardCharsets.UTF_8));
      }
      calls.add(sb.toString());
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      futures.add(f);
      return f;
    }

    @Override
    public CompletableFuture<byte[]> write(byte[][] argv) {
      return record("W", argv);
    }

    @Override
    public CompletableFuture<byte[]> read(byte[][] argv) {
      return record("R", argv);
    }

    @Override
    public String info(List<String> sections, ServerStats stats) {
      return "# Raft\r\nraft_role:leader\r\n";
    }
  }

  private final ManualBackend backend = new ManualBackend();

  private EmbeddedChannel channel(long maxArgs, long maxBulk) {
    ServerStats stats = new ServerStats();
    return new EmbeddedChannel(new LineLimit(), new RedisDecoder(true), new FrameLimits(maxArgs, maxBulk),
        new RedisBulkStringAggregator(), new RedisArrayAggregator(),
        new ClientSession(backend, stats, new LocalCommands(backend, stats, Map.of("save", "")), 100));
  }

  private EmbeddedChannel channel(Map<String, String> config) {
    ServerStats stats = new ServerStats();
    return new EmbeddedChannel(new LineLimit(), new RedisDecoder(true), new FrameLimits(1024, 1 << 20),
        new RedisBulkStringAggregator(), new RedisArrayAggregator(),
        new ClientSession(backend, stats, new LocalCommands(backend, stats, config), 100));
  }

  private static void send(EmbeddedChannel ch, String s) {
    ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
  }

  private static String out(EmbeddedChannel ch) {
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.UTF_8));
      b.release();
    }
    return sb.toString();
  }

  private static byte[] resp(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void pipelinedRepliesLeaveInRequestOrderWhateverOrderTheyComplete() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nc\r\n");
    assertEquals(List.of("R GET a", "R GET b", "R GET c"), backend.calls, "reads run concurrently");
    backend.futures.get(2).complete(resp("$1\r\nC\r\n"));
    backend.futures.get(1).complete(resp("$1\r\nB\r\n"));
    ch.runPendingTasks();
    assertEquals("", out(ch), "nothing leaves before the first reply");
    backend.futures.get(0).complete(resp("$1\r\nA\r\n"));
    ch.runPendingTasks();
    assertEquals("$1\r\nA\r\n$1\r\nB\r\n+PONG\r\n$1\r\nC\r\n", out(ch));
  }

  /** A read Redis does not flag fast (LRANGE) keeps the read path: it waits for the write before it. */
  @Test
  void aReadWaitsForTheSameConnectionsEarlierWrite() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "*3\r\n$5\r\nRPUSH\r\n$1\r\nk\r\n$1\r\nv\r\n*4\r\n$6\r\nLRANGE\r\n$1\r\nk\r\n"
        + "$1\r\n0\r\n$2\r\n-1\r\n*3\r\n$5\r\nRPUSH\r\n$1\r\nk\r\n$1\r\nw\r\n");
    assertEquals(List.of("W RPUSH k v"), backend.calls, "LRANGE must not start before RPUSH is done");
    backend.futures.get(0).complete(resp(":1\r\n"));
    ch.runPendingTasks();
    assertEquals(List.of("W RPUSH k v", "R LRANGE k 0 -1"), backend.calls,
        "the second RPUSH waits for the LRANGE");
    backend.futures.get(1).complete(resp("*1\r\n$1\r\nv\r\n"));
    ch.runPendingTasks();
    assertEquals(List.of("W RPUSH k v", "R LRANGE k 0 -1", "W RPUSH k w"), backend.calls);
    backend.futures.get(2).complete(resp(":2\r\n"));
    ch.runPendingTasks();
    assertEquals(":1\r\n*1\r\n$1\r\nv\r\n:2\r\n", out(ch));
  }

  /** The commands of a pipelined run, as the EXEC command of its log entry carries them. */
  private static List<String> runCommands(byte[][] exec) {
    assertEquals(TransactionCommands.EXEC, new String(exec[0], StandardCharsets.UTF_8));
    assertEquals("0", new String(exec[1], StandardCharsets.UTF_8), "a run watches no key");
    List<String> commands = new ArrayList<>();
    for (int i = 2; i < exec.length; i++) {
      assertEquals(TransactionCommands.ITEM_COMMAND, exec[i][0]);
      StringBuilder sb = new StringBuilder();
      for (byte[] a : Packed.unpack(java.util.Arrays.copyOfRange(exec[i], 1, exec[i].length))) {
        sb.append(sb.length() == 0 ? "" : " ").append(new String(a, StandardCharsets.UTF_8));
      }
      commands.add(sb.toString());
    }
    return commands;
  }

  /**
   * Redis's suite, unit/other "PIPELINING stresser": pipelined SET/GET pairs. What waited behind
   * the first SET goes as one pipelined run, in order, each command with its own reply (an error
   * stops nothing); the connection's next commands wait for the run's reply, then form the next
   * run. A run of reads only stays on the read path.
   */
  @Test
  void pipelinedWritesAndReadsWaitingTogetherGoAsOneRunInOrder() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "SET k 1\r\nGET k\r\nSET k 2\r\nGET k\r\nINCR k\r\nLPUSH k x\r\nGET k\r\n");
    assertEquals(List.of("W SET k 1"), backend.calls);
    backend.futures.get(0).complete(resp("+OK\r\n"));
    ch.runPendingTasks();
    assertEquals(2, backend.calls.size());
    assertEquals(List.of("GET k", "SET k 2", "GET k", "INCR k", "LPUSH k x", "GET k"),
        runCommands(backend.argvs.get(1)));
    send(ch, "SET k 4\r\nGET k\r\n");
    assertEquals(2, backend.calls.size(), "nothing starts while the run is out");
    backend.futures.get(1).complete(resp("*6\r\n$1\r\n1\r\n+OK\r\n$1\r\n2\r\n:3\r\n"
        + "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\n3\r\n"));
    ch.runPendingTasks();
    assertEquals("+OK\r\n$1\r\n1\r\n+OK\r\n$1\r\n2\r\n:3\r\n"
        + "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\n3\r\n", out(ch));
    assertEquals(List.of("SET k 4", "GET k"), runCommands(backend.argvs.get(2)));
    backend.futures.get(2).complete(resp("-CLUSTERDOWN no Raft leader\r\n"));
    ch.runPendingTasks();
    assertEquals("-CLUSTERDOWN no Raft leader\r\n-CLUSTERDOWN no Raft leader\r\n", out(ch),
        "a run that failed as a whole gives each command its error");

    send(ch, "GET a\r\nGET b\r\n");
    assertEquals(List.of("R GET a", "R GET b"), backend.calls.subList(3, 5), "reads alone: the read path");
  }

  /** A run carries at most half of what a log entry may (raftkv.write.max-command-bytes). */
  @Test
  void noRunIsLargerThanHalfALogEntry() {
    EmbeddedChannel ch = channel(Map.of("raftkv.write.max-command-bytes", "2"));
    send(ch, "SET k 1\r\nGET k\r\nSET k 2\r\n");
    backend.futures.get(0).complete(resp("+OK\r\n"));
    ch.runPendingTasks();
    assertEquals(List.of("W SET k 1", "R GET k"), backend.calls, "one command a time: no run");
  }

  @Test
  void writesAreNormalizedAndBadOnesNeverReachTheBackend() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "SET k v EX 0\r\nSET k v EX 10\r\nGET\r\nFOO bar\r\n");
    assertEquals(1, backend.calls.size());
    assertTrue(backend.calls.get(0).startsWith("W SET k v PXAT "), backend.calls.get(0));
    backend.futures.get(0).complete(resp("+OK\r\n"));
    ch.runPendingTasks();
    assertEquals("-ERR invalid expire time in 'set' command\r\n+OK\r\n"
        + "-ERR wrong number of arguments for 'get' command\r\n"
        + "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n", out(ch));
  }

  @Test
  void inlineCommandsAndLocalCommands() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "PING\r\nPING \"hello world\"\r\nECHO x\r\nSELECT 0\r\nSELECT 1\r\nCLIENT SETNAME app\r\n"
        + "CLIENT GETNAME\r\nCONFIG GET save\r\nCONFIG GET appendonly\r\n\r\n");
    assertEquals("+PONG\r\n$11\r\nhello world\r\n$1\r\nx\r\n+OK\r\n-ERR DB index is out of range\r\n"
        + "+OK\r\n$3\r\napp\r\n*2\r\n$4\r\nsave\r\n$0\r\n\r\n*0\r\n", out(ch));
  }

  @Test
  void quitRepliesThenCloses() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "QUIT\r\nPING\r\n");
    assertEquals("+OK\r\n", out(ch));
    ch.runPendingTasks();
    assertFalse(ch.isOpen());
  }

  @Test
  void oversizedOrMalformedFramesGetAProtocolErrorAndTheConnectionCloses() {
    EmbeddedChannel ch = channel(3, 1 << 20);
    send(ch, "*4\r\n$3\r\nSET\r\n");
    assertEquals("-ERR Protocol error: invalid multibulk length\r\n", out(ch));
    ch.runPendingTasks();
    assertFalse(ch.isOpen());

    ch = channel(16, 10);
    send(ch, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$11\r\n");
    assertEquals("-ERR Protocol error: invalid bulk length\r\n", out(ch));
    assertTrue(backend.calls.isEmpty());

    ch = channel(16, 1 << 20);
    send(ch, "*2\r\n*1\r\n$1\r\na\r\n");
    assertTrue(out(ch).startsWith("-ERR Protocol error: "));

    ch = channel(16, 1 << 20);
    send(ch, "*1\r\n$x\r\n");
    assertTrue(out(ch).startsWith("-ERR Protocol error"));
    ch.runPendingTasks();
    assertFalse(ch.isOpen());
  }

  /** Redis's own suite, unit/protocol: the texts of its framing errors, and *-10 skipped. */
  @Test
  void malformedFramingGetsRedisTexts() {
    EmbeddedChannel ch = channel(16, 1 << 20);
    send(ch, "*-10\r\n");
    assertEquals("", out(ch), "a negative count is skipped without a reply");
    send(ch, "PING\r\n");
    assertEquals("+PONG\r\n", out(ch));
    assertTrue(ch.isOpen());
    send(ch, "*-10\r\n*1\r\n$4\r\nPING\r\n"); // what follows in the same read is answered
    ch.runPendingTasks();
    assertEquals("+PONG\r\n", out(ch));

    ch = channel(16, 1 << 20);
    send(ch, "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n");
    assertEquals("-ERR Protocol error: expected '$', got 'f'\r\n", out(ch));

    ch = channel(16, 1 << 20);
    send(ch, "*1\r\nfoo\r\n");
    assertEquals("-ERR Protocol error: expected '$', got 'f'\r\n", out(ch));

    ch = channel(16, 1 << 20);
    send(ch, "*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n");
    assertEquals("-ERR Protocol error: invalid bulk length\r\n", out(ch));
    ch.runPendingTasks();
    assertFalse(ch.isOpen());

    ch = channel(16, 1 << 20);
    send(ch, "*x1\r\n");
    assertEquals("-ERR Protocol error: invalid multibulk length\r\n", out(ch));

    // a line that never ends: 64 KB of it close the connection (protocol.tcl's desync tests)
    String a1k = "A".repeat(1024);
    for (String start : List.of("*", "$", "\u0000")) {
      ch = channel(16, 1 << 20);
      send(ch, start);
      for (int i = 0; i < 64 && ch.isOpen(); i++) {
        send(ch, a1k);
      }
      assertTrue(out(ch).startsWith("-ERR Protocol error: too big "), start);
      ch.runPendingTasks();
      assertFalse(ch.isOpen());
    }
    // bulk payloads are passed over whole, newlines or not
    ch = channel(16, 1 << 20);
    String big = "x".repeat(100_000);
    send(ch, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + big + "\r\n*1\r\n$4\r\nPING\r\n");
    assertTrue(ch.isOpen());
  }

  @Test
  void execWaitsForTheWatchReadAndCarriesItsDigestsInOneInternalWrite() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "WATCH k\r\nMULTI\r\nSET a 1 EX 100\r\nGET a\r\nPING\r\nEXEC\r\n");
    assertEquals(List.of("R raftkv|watch k"), backend.calls, "EXEC waits until WATCH has its digest");
    byte[] digest = new byte[32];
    digest[0] = 7;
    byte[] payload = new byte[33];
    payload[0] = 32;
    System.arraycopy(digest, 0, payload, 1, 32);
    byte[] bulk = new byte[payload.length + 9];
    byte[] head = "$33\r\n".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, bulk, 0, head.length);
    System.arraycopy(payload, 0, bulk, head.length, payload.length);
    bulk[head.length + payload.length] = '\r';
    bulk[head.length + payload.length + 1] = '\n';
    backend.futures.get(0).complete(java.util.Arrays.copyOf(bulk, head.length + payload.length + 2));
    ch.runPendingTasks();
    assertEquals(2, backend.calls.size());
    String exec = backend.calls.get(1);
    assertTrue(exec.startsWith("W raftkv|exec 1 k "), exec);
    assertTrue(exec.contains("PXAT"), "the queued SET is normalized: " + exec);
    assertTrue(exec.contains("+PONG"), "the PING reply travels in the entry: " + exec);
    backend.futures.get(1).complete(resp("*3\r\n+OK\r\n$1\r\n1\r\n+PONG\r\n"));
    ch.runPendingTasks();
    assertEquals("+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n$1\r\n1\r\n+PONG\r\n",
        out(ch));
  }

  @Test
  void queueTimeErrorsAbortExecAndInternalCommandsAreUnknownToClients() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "raftkv|exec 0\r\nMULTI\r\nSET k\r\nraftkv|watch k\r\nEXEC\r\nEXEC\r\n");
    assertTrue(backend.calls.isEmpty(), backend.calls.toString());
    assertEquals("-ERR unknown command 'raftkv|exec', with args beginning with: '0' \r\n+OK\r\n"
        + "-ERR wrong number of arguments for 'set' command\r\n"
        + "-ERR unknown command 'raftkv|watch', with args beginning with: 'k' \r\n"
        + "-EXECABORT Transaction discarded because of previous errors.\r\n"
        + "-ERR EXEC without MULTI\r\n", out(ch));
  }

  @Test
  void aTransactionOfLocalCommandsOnlyIsAnsweredWithoutTheLog() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "MULTI\r\nPING\r\nECHO x\r\nUNWATCH\r\nEXEC\r\nMULTI\r\nDISCARD\r\nDISCARD\r\n");
    assertTrue(backend.calls.isEmpty(), backend.calls.toString());
    assertEquals("+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+PONG\r\n$1\r\nx\r\n+OK\r\n"
        + "+OK\r\n+OK\r\n-ERR DISCARD without MULTI\r\n", out(ch));
  }
  @Test
  void quitInsideMultiIsNotQueuedItCloses() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "MULTI\r\nSET k v\r\nQUIT\r\nEXEC\r\n");
    assertEquals("+OK\r\n+QUEUED\r\n+OK\r\n", out(ch));
    ch.runPendingTasks();
    assertFalse(ch.isOpen());
    assertTrue(backend.calls.isEmpty(), "the discarded transaction never reaches the log");
  }

  @Test
  void afterHello3RepliesAreResp3AndARequestSentBeforeHelloStillGetsResp2() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "GET a\r\nHELLO 3\r\nGET b\r\nMGET x y\r\n");
    assertTrue(out(ch).isEmpty(), "the HELLO reply waits behind the first GET");
    backend.futures.get(0).complete(resp("$-1\r\n"));
    ch.runPendingTasks();
    String hello = out(ch);
    assertTrue(hello.startsWith("$-1\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), hello);
    assertTrue(hello.contains("$5\r\nproto\r\n:3\r\n"), hello);
    backend.futures.get(1).complete(resp("$-1\r\n"));
    backend.futures.get(2).complete(resp("*2\r\n$-1\r\n$1\r\nv\r\n"));
    ch.runPendingTasks();
    assertEquals("_\r\n*2\r\n_\r\n$1\r\nv\r\n", out(ch));
    send(ch, "HELLO 2\r\nGET c\r\n");
    backend.futures.get(3).complete(resp("$-1\r\n"));
    ch.runPendingTasks();
    String back = out(ch);
    assertTrue(back.startsWith("*14\r\n") && back.endsWith("$-1\r\n"), back);
  }

  @Test
  void clientListShowsEveryConnectionAndClientKillClosesAnother() {
    ServerStats stats = new ServerStats();
    LocalCommands local = new LocalCommands(backend, stats, Map.of("save", ""));
    EmbeddedChannel a = new EmbeddedChannel(new RedisDecoder(true), new RedisBulkStringAggregator(),
        new RedisArrayAggregator(), new ClientSession(backend, stats, local, 100));
    EmbeddedChannel b = new EmbeddedChannel(new RedisDecoder(true), new RedisBulkStringAggregator(),
        new RedisArrayAggregator(), new ClientSession(backend, stats, local, 100));
    send(b, "CLIENT SETNAME second\r\n");
    assertEquals("+OK\r\n", out(b));
    send(a, "CLIENT LIST\r\n");
    String list = out(a);
    assertTrue(list.contains("id=1 ") && list.contains("id=2 ") && list.contains("name=second "), list);
    assertTrue(list.contains("cmd=client|list"), list);
    send(a, "CLIENT KILL ID 2\r\n");
    assertEquals(":1\r\n", out(a));
    b.runPendingTasks();
    assertFalse(b.isOpen());
    send(a, "CLIENT LIST ID 2\r\n");
    assertEquals("$0\r\n\r\n", out(a));
  }

  @Test
  void connectionCommandsAnswerLikeRedis() {
    EmbeddedChannel ch = channel(1024, 1 << 20);
    send(ch, "SELECT 1\r\nAUTH pw\r\nAUTH default pw\r\nWAIT 0 x\r\nRESET\r\nREADONLY\r\n"
        + "CONFIG SET foo bar\r\nCLIENT SETINFO lib-name jedis\r\nCOMMAND INFO nothing\r\n"
        + "HELLO 4\r\nHELLO 3 SETNAME a b\r\n");
    assertEquals("-ERR DB index is out of range\r\n"
        + "-ERR AUTH <password> called without any password configured for the default user. Are you"
        + " sure your configuration is correct?\r\n"
        + "+OK\r\n-ERR timeout is not an integer or out of range\r\n+RESET\r\n+OK\r\n"
        + "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n+OK\r\n*1\r\n$-1\r\n"
        + "-NOPROTO unsupported protocol version\r\n-ERR Syntax error in HELLO option 'b'\r\n", out(ch));
  }
}
