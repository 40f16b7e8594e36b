package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.verify.RespClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions on a real 3-peer cluster, with clients on every peer at once: optimistic
 * WATCH/MULTI/EXEC increments lose no update, and a MULTI of 100 INCRs is seen by readers on
 * other peers only whole, even while other connections' writes share its Raft log entries.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TransactionsIT {
  @TempDir static Path dir;
  static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster(dir, 3, Map.of("raftkv.store", "rocksdb"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static RespClient client(int peer) throws Exception {
    return new RespClient("127.0.0.1", cluster.redisPorts[peer], 2000, 30_000);
  }

  @Test
  void optimisticIncrementsOnEveryPeerLoseNoUpdate() throws Exception {
    String key = "counter";
    int threads = 6;
    int attempts = 40;
    AtomicLong committed = new AtomicLong();
    AtomicLong aborted = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int peer = t % 3;
        done.add(pool.submit((Callable<Void>) () -> {
          try (RespClient c = client(peer)) {
            for (int i = 0; i < attempts; i++) {
              assertEquals("OK", c.call("WATCH", key));
              Object v = c.call("GET", key);
              long next = v == null ? 1 : Long.parseLong((String) v) + 1;
              assertEquals("OK", c.call("MULTI"));
              assertEquals("QUEUED", c.call("SET", key, Long.toString(next)));
              Object r = c.call("EXEC");
              if (r == null) {
                aborted.incrementAndGet(); // someone else's EXEC changed the key since WATCH
              } else {
                assertEquals(List.of("OK"), r);
                committed.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(4, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(threads * attempts, committed.get() + aborted.get());
    assertTrue(committed.get() > 0, "some transactions commit");
    for (int peer = 0; peer < 3; peer++) {
      try (RespClient c = client(peer)) {
        assertEquals(Long.toString(committed.get()), c.call("GET", key),
            "peer " + peer + ": the counter equals the number of EXECs that did not return nil"
                + " (" + aborted.get() + " aborted)");
      }
    }
  }

  @Test
  void aHundredIncrsInOneTransactionAreSeenWholeOnOtherPeers() throws Exception {
    String key = "hundreds";
    int transactions = 25;
    int writerPeer = cluster.aFollower();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong reads = new AtomicLong();
    AtomicLong plainWrites = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> background = new ArrayList<>();
      for (int peer = 0; peer < 3; peer++) {
        if (peer == writerPeer) {
          continue;
        }
        int p = peer;
        background.add(pool.submit((Callable<Void>) () -> { // readers on the other peers
          try (RespClient c = client(p)) {
            while (!stop.get()) {
              Object v = c.call("GET", key);
              long n = v == null ? 0 : Long.parseLong((String) v);
              assertEquals(0, n % 100, "peer " + p + " saw a transaction half-applied: " + n);
              reads.incrementAndGet();
            }
          }
          return null;
        }));
      }
      int otherPeer = (writerPeer + 1) % 3;
      background.add(pool.submit((Callable<Void>) () -> {
        // plain writes from another connection on another peer, batched with the transactions
        try (RespClient c = client(otherPeer)) {
          while (!stop.get()) {
            Object r = c.call("INCRBY", key, "100");
            assertTrue(r instanceof Long, String.valueOf(r));
            plainWrites.incrementAndGet();
          }
        }
        return null;
      }));

      try (RespClient c = client(writerPeer)) {
        for (int t = 0; t < transactions; t++) {
          assertEquals("OK", c.call("MULTI"));
          for (int i = 0; i < 100; i++) {
            assertEquals("QUEUED", c.call("INCR", key));
          }
          @SuppressWarnings("unchecked")
          List<Object> replies = (List<Object>) c.call("EXEC");
          assertEquals(100, replies.size());
          long first = (Long) replies.get(0);
          for (int i = 1; i < 100; i++) {
            assertEquals(first + i, replies.get(i), "no other command ran inside the transaction");
          }
          assertEquals(0, (first + 99) % 100);
        }
      }
      stop.set(true);
      for (Future<?> f : background) {
        f.get(1, TimeUnit.MINUTES);
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
    assertTrue(reads.get() > 0, "readers ran");
    long expected = 100L * (transactions + plainWrites.get());
    for (int peer = 0; peer < 3; peer++) {
      try (RespClient c = client(peer)) {
        assertEquals(Long.toString(expected), c.call("GET", key), "peer " + peer);
      }
    }
  }

  @Test
  void aWriteFromAnotherPeerBetweenWatchAndExecAborts() throws Exception {
    try (RespClient a = client(0); RespClient b = client(1); RespClient c = client(2)) {
      assertEquals("OK", a.call("SET", "w", "1"));
      assertEquals("OK", a.call("WATCH", "w"));
      assertEquals("OK", b.call("SET", "w", "2"));
      assertEquals("OK", a.call("MULTI"));
      assertEquals("QUEUED", a.call("SET", "w", "from-a"));
      assertNull(a.call("EXEC"));
      assertEquals("2", c.call("GET", "w"));

      // the documented difference: rewriting the identical value does not abort
      assertEquals("OK", a.call("WATCH", "w"));
      assertEquals("OK", b.call("SET", "w", "2"));
      assertEquals("OK", a.call("MULTI"));
      assertEquals("QUEUED", a.call("SET", "w", "from-a"));
      assertEquals(List.of("OK"), a.call("EXEC"));
      assertEquals("from-a", c.call("GET", "w"));
    }
  }

  private static long appliedIndex(RespClient c) throws Exception {
    for (String line : ((String) c.call("INFO", "raft")).split("\r\n")) {
      if (line.startsWith("raft_applied_index:")) {
        return Long.parseLong(line.substring("raft_applied_index:".length()));
      }
    }
    throw new AssertionError("no raft_applied_index in INFO raft");
  }

  /** Writes {@code commands} to {@code socket} at once, on a thread of its own (the caller reads the replies). */
  private static Thread sendAll(java.net.Socket socket, CharSequence commands) {
    byte[] bytes = commands.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Thread writer = new Thread(() -> {
      try {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
      } catch (java.io.IOException e) {
        // the reads of the replies fail
      }
    });
    writer.start();
    return writer;
  }

  private static java.io.BufferedReader lines(java.net.Socket socket) throws java.io.IOException {
    return new java.io.BufferedReader(new java.io.InputStreamReader(
        socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
  }

  /**
   * Redis's suite, unit/other "PIPELINING stresser", on a follower: 20,000 pipelined SET/GET
   * pairs (sent at once, read after). Each GET sees its own SET; the pairs share log entries
   * (pipelined runs): far fewer entries than the 20,000 that one entry per SET took, each GET
   * having waited for the SET before it.
   */
  @Test
  void pipelinedSetGetPairsOnAFollowerShareLogEntries() throws Exception {
    int follower = cluster.aFollower();
    int pairs = 20_000;
    try (RespClient info = client(follower);
        java.net.Socket socket = new java.net.Socket("127.0.0.1", cluster.redisPorts[follower])) {
      long before = appliedIndex(info);
      socket.setSoTimeout(60_000);
      StringBuilder p = new StringBuilder();
      for (int i = 0; i < pairs; i++) {
        p.append("SET pipe:").append(i).append(" v").append(i).append("\r\nGET pipe:").append(i).append("\r\n");
      }
      long t0 = System.nanoTime();
      Thread writer = sendAll(socket, p);
      java.io.BufferedReader in = lines(socket);
      for (int i = 0; i < pairs; i++) {
        assertEquals("+OK", in.readLine(), "SET " + i);
        assertEquals("$" + ("v" + i).length(), in.readLine(), "GET " + i);
        assertEquals("v" + i, in.readLine(), "GET " + i);
      }
      writer.join();
      long entries = appliedIndex(info) - before;
      System.out.printf("%d pipelined SET/GET pairs on a follower: %d ms, %d log entries%n", pairs,
          (System.nanoTime() - t0) / 1_000_000, entries);
      assertTrue(entries < pairs / 4, entries + " log entries for " + pairs + " pairs");
    }
  }

  /**
   * Per-connection order of pipelined writes, on a follower (forwarded to the leader in several
   * batches): 20,000 RPUSHes sent at once leave the list in request order, and SET k 1, SET k 2
   * pipelined ends at 2.
   */
  @Test
  void pipelinedWritesOnAFollowerApplyInRequestOrder() throws Exception {
    int follower = cluster.aFollower();
    int n = 20_000;
    try (RespClient check = client(follower);
        java.net.Socket socket = new java.net.Socket("127.0.0.1", cluster.redisPorts[follower])) {
      socket.setSoTimeout(60_000);
      StringBuilder p = new StringBuilder();
      for (int i = 0; i < n; i++) {
        p.append("RPUSH order ").append(i).append("\r\nSET last ").append(i).append("\r\n");
      }
      Thread writer = sendAll(socket, p);
      java.io.BufferedReader in = lines(socket);
      for (int i = 0; i < n; i++) {
        assertEquals(":" + (i + 1), in.readLine(), "RPUSH " + i);
        assertEquals("+OK", in.readLine(), "SET " + i);
      }
      writer.join();
      @SuppressWarnings("unchecked")
      List<Object> list = (List<Object>) check.call("LRANGE", "order", "0", "-1");
      for (int i = 0; i < n; i++) {
        assertEquals(Integer.toString(i), list.get(i), "element " + i);
      }
      assertEquals(Integer.toString(n - 1), check.call("GET", "last"));
    }
  }
}
