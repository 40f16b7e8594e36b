package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The partition proxy, in front of a real redis-server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinkProxyTest {

  @BeforeAll
  static void startRedis() throws Exception {
    RespClientTest.startRedis();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    RespClientTest.stopRedis();
  }

  private static LinkProxy proxy(int targetPort) throws IOException {
    int port = TestPorts.free();
    // A per-link loopback address, as the cluster uses them.
    return new LinkProxy("test", new InetSocketAddress("127.0.1.2", port),
        new InetSocketAddress("127.0.0.1", targetPort));
  }

  private static RespClient client(LinkProxy p) throws IOException {
    return new RespClient("127.0.1.2", p.listenAddress().getPort(), 1000, 5000);
  }

  /** Expects the call to fail with a connection error well before the 5 s read timeout. */
  private static void assertResetQuickly(RespClient c) {
    long t0 = System.nanoTime();
    IOException e = assertThrows(IOException.class, () -> c.call("PING"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(!(e instanceof SocketTimeoutException), "timed out instead of reset: " + e);
    assertTrue(ms < 2000, "took " + ms + " ms to notice the cut");
  }

  @Test
  void forwardsCutsResetsAndHeals() throws Exception {
    try (LinkProxy p = proxy(RespClientTest.port)) {
      RespClient c1 = client(p);
      assertEquals("PONG", c1.call("PING"));
      assertEquals("OK", c1.call("SET", "via-proxy", "1"));

      p.cut();
      assertResetQuickly(c1);
      c1.close();
      // New connections are reset at once while cut.
      try (RespClient c2 = client(p)) {
        assertResetQuickly(c2);
      } catch (IOException connectRefused) {
        // also acceptable: the reset raced the connect
      }

      p.heal();
      try (RespClient c3 = client(p)) {
        assertEquals("1", c3.call("GET", "via-proxy"));
      }
    }
  }

  @Test
  void targetDownResetsTheClientAtOnce() throws Exception {
    int nothing = TestPorts.free();
    try (LinkProxy p = proxy(nothing); RespClient c = client(p)) {
      assertResetQuickly(c);
    }
  }

  @Test
  void addsLatencyBothWays() throws Exception {
    try (LinkProxy p = proxy(RespClientTest.port); RespClient c = client(p)) {
      assertEquals("PONG", c.call("PING"));
      p.setDelayMs(150);
      long t0 = System.nanoTime();
      assertEquals("PONG", c.call("PING"));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 300, "round trip took only " + ms + " ms");
      p.setDelayMs(0);
    }
  }
}
