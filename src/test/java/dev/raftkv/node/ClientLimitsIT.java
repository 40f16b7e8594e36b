package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Each connection limit on a real peer (one-peer cluster, memory store, with small limits where
 * the defaults would take too long to reach), with raw sockets for the abusive clients and Jedis
 * for the well-behaved one.
 */
@Timeout(240)
class ClientLimitsIT {
  @TempDir
  static Path dir;
  static TestCluster cluster;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster(dir, 1, Map.of(
        "raftkv.store", "memory",
        "raftkv.maxclients", "12",
        "raftkv.timeout", "2",
        "raftkv.client-query-buffer-limit", "8388608"));
    port = cluster.redisPorts[0];
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * Each test starts with the peer holding no other connection: the server frees a closed
   * connection's slot asynchronously, so the previous test's sockets may still count against
   * maxclients for a moment after they are closed.
   */
  @BeforeEach
  void noOtherClientIsConnected() throws InterruptedException {
    TestCluster.eventually(Duration.ofSeconds(20), () -> {
      try (Jedis j = new Jedis("127.0.0.1", port)) {
        return j.info("clients").contains("connected_clients:1\r");
      } catch (RuntimeException e) {
        return false;
      }
    }, "no other client is connected");
  }

  private static Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(100);
    return s;
  }

  /** Reads until the peer closes or nothing came for quietMs. */
  private static String read(Socket s, int quietMs, boolean[] closed) throws IOException {
    return read(s, quietMs, closed, false);
  }

  /** Reads until the peer closes, nothing came for quietMs, or (lineDone) a line is complete. */
  private static String read(Socket s, int quietMs, boolean[] closed, boolean lineDone) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[65536];
    long until = System.nanoTime() + quietMs * 1_000_000L;
    while (System.nanoTime() < until) {
      try {
        int n = in.read(buf);
        if (n < 0) {
          closed[0] = true;
          break;
        }
        got.write(buf, 0, n);
        if (lineDone && got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n")) {
          break; // the whole reply line is here
        }
      } catch (SocketTimeoutException e) {
        // keep waiting
      } catch (IOException e) {
        closed[0] = true;
        break;
      }
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }

  private static byte[] bulkHeader(String... argsThenDeclaredLength) {
    return String.join("", argsThenDeclaredLength).getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void badLimitValuesStopThePeerAtStartWithTheKeyAndTheReason(@TempDir Path other) {
    dev.raftkv.config.ConfigException tooBig = org.junit.jupiter.api.Assertions.assertThrows(
        dev.raftkv.config.ConfigException.class,
        () -> new TestCluster(other, 1, Map.of("raftkv.write.max-command-bytes", "5000000")).close());
    assertTrue(tooBig.getMessage().startsWith("raftkv.write.max-command-bytes = 5000000 does not fit in a"
        + " Raft log entry: at most 4128768"), tooBig.getMessage());
    dev.raftkv.config.ConfigException negative = org.junit.jupiter.api.Assertions.assertThrows(
        dev.raftkv.config.ConfigException.class,
        () -> dev.raftkv.config.NodeConfig.build(null, Map.of("raftkv.timeout", "-1"), Map.of()));
    assertEquals("configuration: raftkv.timeout must be at least 0, not -1", negative.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(dev.raftkv.config.ConfigException.class,
        () -> dev.raftkv.config.NodeConfig.build(null, Map.of("raftkv.maxclients", "0"), Map.of()));
  }

  @Test
  void onePastMaxclientsGetsRedisErrorAndClosedAndAFreedSlotIsReused() throws Exception {
    List<Socket> open = new ArrayList<>();
    try {
      String refused = null;
      for (int i = 0; i < 20 && refused == null; i++) {
        Socket s = connect();
        s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        boolean[] closed = {false};
        String reply = read(s, 3000, closed, true);
        if (reply.startsWith("+PONG")) {
          open.add(s);
        } else {
          refused = reply;
          read(s, 3000, closed);
          assertTrue(closed[0], "the refused connection is closed");
          s.close();
        }
      }
      assertEquals("-ERR max number of clients reached\r\n", refused);
      assertEquals(12, open.size(), "exactly maxclients connections were admitted");
      open.remove(0).close();
      // The check and the INFO share one connection: the server releases a closed connection's slot
      // asynchronously, so a second Jedis opened right after this one closes may still be refused.
      String[] stats = {null};
      TestCluster.eventually(Duration.ofSeconds(10), () -> {
        try (Jedis j = new Jedis("127.0.0.1", port)) {
          if (!j.ping().equals("PONG")) {
            return false;
          }
          stats[0] = j.info("stats");
          return true;
        } catch (RuntimeException e) {
          return false;
        }
      }, "a slot freed by a closed connection is used again");
      assertTrue(!stats[0].contains("rejected_connections:0\r"), stats[0]);
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
  }

  @Test
  void anIdleConnectionIsClosedAfterTimeoutAndABusyOneIsNot() throws Exception {
    try (Socket idle = connect(); Socket busy = connect()) {
      long t0 = System.nanoTime();
      boolean[] idleClosed = {false};
      boolean[] busyClosed = {false};
      while (!idleClosed[0] && System.nanoTime() - t0 < 10_000_000_000L) {
        busy.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("+PONG\r\n", read(busy, 3000, busyClosed, true));
        read(idle, 200, idleClosed);
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(idleClosed[0], "the idle connection was closed");
      assertTrue(ms >= 1500 && ms < 8000, "closed after about timeout = 2 s, not " + ms + " ms");
      assertTrue(!busyClosed[0], "the connection in use stays open");
    }
  }

  @Test
  void aRequestPastTheQueryBufferLimitClosesTheConnection() throws Exception {
    try (Socket s = connect()) {
      // MGET of three 3 MB keys: each argument is allowed, together they pass 8 MB
      OutputStream out = s.getOutputStream();
      out.write(bulkHeader("*4\r\n$4\r\nMGET\r\n$3145728\r\n"));
      byte[] chunk = new byte[3145728];
      Arrays.fill(chunk, (byte) 'k');
      boolean[] closed = {false};
      try {
        out.write(chunk);
        out.write("\r\n$3145728\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(chunk);
        out.write("\r\n$3145728\r\n".getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        closed[0] = true;
      }
      String reply = read(s, 3000, closed);
      assertEquals("", reply, "Redis closes without a reply");
      assertTrue(closed[0], "the connection is closed");
    }
  }

  @Test
  void aBulkOverProtoMaxBulkLenIsAProtocolError() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(bulkHeader("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1073741824\r\n"));
      boolean[] closed = {false};
      assertEquals("-ERR Protocol error: invalid bulk length\r\n", read(s, 2000, closed));
      assertTrue(closed[0]);
    }
  }

  /**
   * A pipelined GET of a 4 MB value, then a malformed request, then more bytes the peer never
   * reads: the client still reads the whole value, then the protocol error, then the close. (A
   * plain close with unread input resets the connection, and the reset throws away the reply
   * bytes still queued; a small receive buffer keeps most of the value queued at the peer.)
   */
  @Test
  void aProtocolErrorAfterALongReplyStillDeliversTheWholeReplyFirst() throws Exception {
    byte[] mb = new byte[1 << 20];
    Arrays.fill(mb, (byte) 'v');
    try (Jedis j = new Jedis("127.0.0.1", port, 30_000)) {
      j.del("long-reply");
      for (int i = 0; i < 4; i++) {
        j.append("long-reply".getBytes(StandardCharsets.UTF_8), mb);
      }
    }
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(16 * 1024);
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port));
      s.setSoTimeout(100);
      OutputStream out = s.getOutputStream();
      out.write("*2\r\n$3\r\nGET\r\n$10\r\nlong-reply\r\n*1\r\n$-5\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(200);
      boolean[] closed = {false};
      try {
        out.write(new byte[256 * 1024]); // never read by the peer: it is closing
      } catch (IOException e) {
        closed[0] = true;
      }
      String got = read(s, 5000, closed);
      String reply = "$" + (4 << 20) + "\r\n" + "v".repeat(4 << 20) + "\r\n";
      assertTrue(got.startsWith(reply), () -> "the whole value first, but only " + got.length() + " bytes came");
      assertEquals("-ERR Protocol error: invalid bulk length\r\n", got.substring(reply.length()));
      assertTrue(closed[0], "the connection is closed");
    }
  }

  @Test
  void aWriteTooBigForALogEntryGetsAClearErrorAndTheConnectionGoesOn() throws Exception {
    try (Jedis j = new Jedis("127.0.0.1", port, 30_000)) {
      byte[] big = new byte[5 * 1024 * 1024];
      Arrays.fill(big, (byte) 'v');
      String error = null;
      try {
        j.set("big".getBytes(StandardCharsets.UTF_8), big);
      } catch (redis.clients.jedis.exceptions.JedisDataException e) {
        error = e.getMessage();
      }
      assertEquals("ERR request too large: 5242886 bytes, more than the 4128768 bytes a command may"
          + " carry (raftkv.write.max-command-bytes)", error);
      assertEquals("PONG", j.ping(), "the connection is still usable");
      // MSET of values that are each small but together too big is refused the same way
      List<byte[]> kv = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        kv.add(("m" + i).getBytes(StandardCharsets.UTF_8));
        kv.add(Arrays.copyOf(big, 1024 * 1024));
      }
      String msetError = null;
      try {
        j.mset(kv.toArray(new byte[0][]));
      } catch (redis.clients.jedis.exceptions.JedisDataException e) {
        msetError = e.getMessage();
      }
      assertTrue(msetError != null && msetError.startsWith("ERR request too large"), msetError);
      assertTrue(!j.exists("m0"), "nothing of the refused MSET was applied");
      // just under the limit is fine, and reads back whole
      byte[] largest = Arrays.copyOf(big, 4_000_000);
      assertEquals("OK", j.set("large".getBytes(StandardCharsets.UTF_8), largest));
      assertEquals(4_000_000, j.get("large".getBytes(StandardCharsets.UTF_8)).length);
    }
  }

  @Test
  void concurrentLargeWritesFillBatchesWithoutPassingTheEntryLimit() throws Exception {
    // 8 clients x 5 pipelined SETs of 2 MB: two such commands add up to just under
    // raftkv.write.max-batch-bytes (4 MB), but not with Ratis' own fields around them. Every
    // batch must fit in one Raft log entry (before batches were capped at the command limit, such
    // a batch was refused by Ratis and both commands got "ERR internal error").
    List<Thread> threads = new ArrayList<>();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    // encoded SET cN:I <v>: 1 + (1+3) + (1+4) + (3+len); batch header 10: two fill 4194296 bytes
    byte[] value = new byte[2_097_130];
    Arrays.fill(value, (byte) 'x');
    for (int c = 0; c < 8; c++) {
      int client = c;
      Thread t = new Thread(() -> {
        try (Jedis j = new Jedis("127.0.0.1", port, 60_000)) {
          var p = j.pipelined();
          List<redis.clients.jedis.Response<String>> rs = new ArrayList<>();
          for (int i = 0; i < 5; i++) {
            rs.add(p.set(("c" + client + ":" + i).getBytes(StandardCharsets.UTF_8), value));
          }
          p.sync();
          for (var r : rs) {
            try {
              if (!"OK".equals(r.get())) {
                failures.add(r.get());
              }
            } catch (RuntimeException e) {
              failures.add(e.getMessage());
            }
          }
        } catch (RuntimeException e) {
          failures.add(e.toString());
        }
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join(120_000);
    }
    assertTrue(failures.isEmpty(), failures.size() + " failed: " + failures.subList(0, Math.min(3, failures.size())));
    try (Jedis j = new Jedis("127.0.0.1", port, 30_000)) {
      assertEquals(value.length, j.strlen("c7:4"));
    }
  }

  /** Heap in use after a collection: what is really held, not garbage. */
  private static long liveHeap() {
    Runtime rt = Runtime.getRuntime();
    System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  void anAbusiveClientCannotStarveANormalOneOrFillTheHeap() throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong worstMs = new AtomicLong();
    AtomicLong served = new AtomicLong();
    Thread normal = new Thread(() -> {
      try (Jedis j = new Jedis("127.0.0.1", port, 30_000)) {
        int i = 0;
        while (!done.get()) {
          long t0 = System.nanoTime();
          j.set("normal", Integer.toString(i));
          assertEquals(Integer.toString(i), j.get("normal"));
          worstMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
          served.incrementAndGet();
          i++;
          Thread.sleep(20);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    normal.start();
    long heapBefore = liveHeap();
    long heapPeak = heapBefore;
    // 1: a 400 MB value (under proto-max-bulk-len, over the command limit), really sent
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      long size = 400L * 1024 * 1024;
      out.write(bulkHeader("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + size + "\r\n"));
      byte[] chunk = new byte[1 << 20];
      Arrays.fill(chunk, (byte) 'a');
      for (long sent = 0; sent < size; sent += chunk.length) {
        out.write(chunk);
        if ((sent >> 20) % 50 == 0) {
          heapPeak = Math.max(heapPeak, liveHeap());
        }
      }
      out.write("\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
      boolean[] closed = {false};
      String reply = read(s, 3000, closed);
      assertTrue(reply.startsWith("-ERR request too large: 419430404 bytes"), reply);
      assertTrue(reply.endsWith("+PONG\r\n"), "the connection goes on: " + reply);
    }
    // 2: a million pipelined INCRs, sent without reading replies until the end
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(60_000);
      int n = 1_000_000;
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 16);
          byte[] cmd = "*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n".getBytes(StandardCharsets.US_ASCII);
          for (int i = 0; i < n; i++) {
            out.write(cmd);
          }
          out.flush();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      writer.start();
      InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 1 << 16);
      int lines = 0;
      long last = 0;
      int b;
      StringBuilder line = new StringBuilder();
      while (lines < n && (b = in.read()) >= 0) {
        if (b == '\n') {
          lines++;
          if (lines % 100_000 == 0) {
            heapPeak = Math.max(heapPeak, liveHeap());
          }
          if (lines == n) {
            last = Long.parseLong(line.toString().trim().substring(1));
          }
          line.setLength(0);
        } else if (lines >= n - 1) {
          line.append((char) b);
        }
      }
      writer.join(60_000);
      assertEquals(n, lines, "one reply per pipelined command");
      assertEquals(n, last, "every INCR applied exactly once");
    }
    done.set(true);
    normal.join(30_000);
    assertTrue(served.get() > 20, "the normal client was served meanwhile: " + served.get());
    assertTrue(worstMs.get() < 3000, "a normal request never waited long: worst " + worstMs.get() + " ms");
    long grew = heapPeak - heapBefore;
    assertTrue(grew < 200L * 1024 * 1024, "the live heap grew by " + (grew >> 20) + " MB at most");
    System.out.printf("ClientLimitsIT: normal client served %d requests, worst %d ms; live heap growth %d MB%n",
        served.get(), worstMs.get(), grew >> 20);
  }
}
