package dev.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.cli.Launch.Result;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `raftkv server` refuses bad start-ups with one line naming the problem and a non-zero exit. */
class LauncherTest {
  @TempDir
  Path dir;

  @Test
  void aMalformedPeersFileIsRejectedWithFileAndLine() throws Exception {
    Path peers = dir.resolve("peers.conf");
    Files.writeString(peers, "n1 127.0.0.1:1 127.0.0.1:2\nn2 oops\n");
    Result r = Launch.run("server", "--id", "n1", "--peers", peers.toString(), "--data-dir", dir.resolve("d").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("peers.conf:2: "), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void anUnknownIdIsRejected() throws Exception {
    Path peers = dir.resolve("peers.conf");
    Files.writeString(peers, "n1 127.0.0.1:" + Launch.freePort() + " 127.0.0.1:" + Launch.freePort() + "\n");
    Result r = Launch.run("server", "--id", "n9", "--peers", peers.toString(), "--data-dir", dir.resolve("d").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("peer id 'n9' is not in the peers file"), r.err());
  }

  @Test
  void aBusyPortIsRejected() throws Exception {
    try (ServerSocket busy = new ServerSocket()) {
      busy.bind(new InetSocketAddress("127.0.0.1", 0));
      Path peers = dir.resolve("peers.conf");
      Files.writeString(peers, "n1 127.0.0.1:" + Launch.freePort() + " 127.0.0.1:" + busy.getLocalPort() + "\n");
      Result r = Launch.run("server", "--id", "n1", "--peers", peers.toString(), "--data-dir", dir.resolve("d").toString());
      assertEquals(1, r.code());
      assertTrue(r.err().contains("cannot listen for Redis on 127.0.0.1:" + busy.getLocalPort()), r.err());
    }
  }

  @Test
  void aBadOptionValueIsRejected() throws Exception {
    Path peers = dir.resolve("peers.conf");
    Files.writeString(peers, "n1 127.0.0.1:" + Launch.freePort() + " 127.0.0.1:" + Launch.freePort() + "\n");
    Result r = Launch.run("server", "--id", "n1", "--peers", peers.toString(), "--store", "mysql");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("rocksdb or memory"), r.err());
  }
}
