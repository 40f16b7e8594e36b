package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.command.CommandSpec;
import dev.raftkv.fuzz.FuzzInputs;
import dev.raftkv.fuzz.RespReplies;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import redis.clients.jedis.Jedis;

/**
 * The fuzz inputs over real sockets against a real peer (a one-peer cluster with RocksDB):
 * whatever a connection sends, it gets well-formed replies or a closed connection, a separate
 * client keeps getting answers promptly, the peer never stops, and closed connections leave no
 * session behind.
 */
class RespFuzzIT {
  private static final List<CommandSpec> SPECS = FuzzInputs.clientCommands().stream()
      .filter(s -> !FuzzInputs.SESSION_ENDING.contains(s.name())).toList();
  private static Path dir;
  private static TestCluster cluster;
  private static Jedis control;

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("resp-fuzz-it");
    cluster = new TestCluster(dir, 1, Map.of());
    control = cluster.client(0);
    control.set("control", "alive");
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      // the peer still serves, and every fuzz connection is gone
      control.set("control", "alive");
      assertEquals("alive", control.get("control"));
      TestCluster.eventually(Duration.ofSeconds(20),
          () -> control.info("clients").contains("connected_clients:1\r"), "only the control client is connected");
      control.close();
    } finally {
      cluster.close();
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Provide
  Arbitrary<byte[]> streams() {
    return FuzzInputs.stream(SPECS);
  }

  @Property(tries = 50)
  void anyByteStreamOverASocketGetsWellFormedRepliesAndTheOtherClientsKeepBeingServed(
      @ForAll("streams") byte[] input, @ForAll long seed) throws IOException {
    Random r = new Random(seed);
    try (Socket s = new Socket("127.0.0.1", cluster.redisPorts[0])) {
      s.setSoTimeout(50);
      OutputStream out = s.getOutputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      boolean closed = false;
      int at = 0;
      try {
        while (at < input.length) {
          int n = Math.min(input.length - at, 1 + r.nextInt(2048));
          out.write(input, at, n);
          out.flush();
          at += n;
          closed = drain(s.getInputStream(), got, 0);
          if (closed) {
            break;
          }
        }
      } catch (IOException e) {
        closed = true; // the peer closed the connection while we were still sending
      }
      if (!closed) {
        closed = drain(s.getInputStream(), got, 150);
        // A long reply (a fuzzed SETRANGE can make a 16 MB value) may pause for more than 150 ms
        // on a loaded machine: read on until what came parses as whole replies, or 10 s pass.
        long until = System.nanoTime() + 10_000_000_000L;
        while (!closed && !wholeReplies(got.toByteArray()) && System.nanoTime() < until) {
          closed = drain(s.getInputStream(), got, 150);
        }
      }
      RespReplies.count(got.toByteArray()); // complete, well-formed replies only
    }
    long t0 = System.nanoTime();
    assertEquals("PONG", control.ping());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 5000, "the control client waited " + ms + " ms");
  }

  private static boolean wholeReplies(byte[] out) {
    try {
      RespReplies.count(out);
      return true;
    } catch (IllegalArgumentException e) {
      return false; // incomplete so far (or malformed: the strict count after the wait says so)
    }
  }

  @Provide
  Arbitrary<List<byte[][]>> commandLists() {
    return FuzzInputs.command(SPECS).list().ofMinSize(1).ofMaxSize(30);
  }

  @Property(tries = 40)
  void wellFormedCommandsOverASocketGetOneReplyEach(@ForAll("commandLists") List<byte[][]> commands)
      throws IOException {
    try (Socket s = new Socket("127.0.0.1", cluster.redisPorts[0])) {
      s.setSoTimeout(50);
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      for (byte[][] argv : commands) {
        req.writeBytes(FuzzInputs.respArray(argv));
      }
      req.writeBytes(FuzzInputs.respArray(new byte[][] {FuzzInputs.bytes("ECHO"), FuzzInputs.bytes("end-marker")}));
      s.getOutputStream().write(req.toByteArray());
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      long deadline = System.nanoTime() + 30_000_000_000L;
      int replies = 0;
      while (replies < commands.size() + 1 && System.nanoTime() < deadline) {
        if (drain(s.getInputStream(), got, 100)) {
          break;
        }
        try {
          replies = RespReplies.count(got.toByteArray());
        } catch (IllegalArgumentException incomplete) {
          // more bytes to come
        }
      }
      assertEquals(commands.size() + 1, RespReplies.count(got.toByteArray()),
          () -> "one reply per command: " + got.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
    }
  }

  /** Reads what is there, waiting up to quietMs for more; true when the peer closed. */
  private static boolean drain(InputStream in, ByteArrayOutputStream got, int quietMs) throws IOException {
    byte[] buf = new byte[65536];
    long until = System.nanoTime() + quietMs * 1_000_000L;
    while (true) {
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException e) {
        if (System.nanoTime() >= until) {
          return false;
        }
        continue;
      } catch (IOException e) {
        return true; // reset by the peer
      }
      if (n < 0) {
        return true;
      }
      got.write(buf, 0, n);
      until = System.nanoTime() + quietMs * 1_000_000L;
    }
  }
}
