package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Drives a real redis-server (skipped when it is not installed). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RespClientTest {

  static Process redis;
  static int port;

  @BeforeAll
  static void startRedis() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/redis-server")),
        "redis-server not installed");
    port = TestPorts.free();
    redis = new ProcessBuilder("/usr/bin/redis-server", "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket("127.0.0.1", port)) {
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
  static void stopRedis() throws Exception {
    if (redis != null) {
      redis.destroyForcibly().waitFor();
    }
  }

  @Test
  void decodesEveryReplyType() throws Exception {
    try (RespClient c = new RespClient("127.0.0.1", port, 1000, 2000)) {
      assertEquals("PONG", c.call("PING"));
      assertEquals("OK", c.call("SET", "k", "h\u00e9llo\r\nworld"));
      assertEquals("h\u00e9llo\r\nworld", c.call("GET", "k"));
      assertNull(c.call("GET", "missing"));
      assertEquals(5L, c.call("INCRBY", "n", "5"));
      assertEquals(List.of("h\u00e9llo\r\nworld", "5"), c.call("MGET", "k", "n"));
      Object err = c.call("INCR", "k");
      assertInstanceOf(RespClient.Error.class, err);
      assertEquals("ERR", ((RespClient.Error) err).code());
      assertEquals("", c.call("ECHO", ""));
    }
  }

  @Test
  void readTimeoutIsAnIOException() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        RespClient c = new RespClient("127.0.0.1", silent.getLocalPort(), 1000, 200)) {
      assertThrows(SocketTimeoutException.class, () -> c.call("PING"));
    }
  }
}
