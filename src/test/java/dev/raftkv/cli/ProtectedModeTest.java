package dev.raftkv.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.cli.Launch.Result;
import dev.raftkv.config.NodeConfig;
import dev.raftkv.config.PeersFile;
import dev.raftkv.node.RaftKvNode;
import dev.raftkv.verify.RespClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Protected mode: a peer refuses to start with a one-line error and exit code 2 when a listener
 * on a non-loopback address is unprotected; a password, or raftkv.protected-mode=no, lets it start.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProtectedModeTest {
  @TempDir
  Path dir;

  private Path peers() throws Exception {
    Path peers = dir.resolve("peers.conf");
    Files.writeString(peers, "n1 127.0.0.1:" + Launch.freePort() + " 127.0.0.1:" + Launch.freePort() + "\n");
    return peers;
  }

  private Result server(String... defines) throws Exception {
    String[] all = new String[7 + defines.length * 2];
    System.arraycopy(new String[] {"server", "--id", "n1", "--peers", peers().toString(), "--data-dir",
        dir.resolve("d").toString()}, 0, all, 0, 7);
    for (int i = 0; i < defines.length; i++) {
      all[7 + 2 * i] = "-D";
      all[8 + 2 * i] = defines[i];
    }
    return Launch.run(all);
  }

  @Test
  void aRedisPortOnAllInterfacesWithoutAPasswordIsRefused() throws Exception {
    Result r = server("raftkv.redis.bind=0.0.0.0");
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("raftkv: protected mode: refusing to serve Redis clients on 0.0.0.0"
        + " without a password"), r.err());
  }

  @Test
  void aRaftPortOnAllInterfacesWithoutTlsIsRefusedEvenWithAPassword() throws Exception {
    Result r = server("raftkv.raft.bind=0.0.0.0", "raftkv.requirepass=pw");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("refusing to accept Raft traffic on 0.0.0.0 without TLS"), r.err());
  }

  @Test
  void aTlsPortWithoutClientCertificatesOrPasswordIsRefused() throws Exception {
    Process p = new ProcessBuilder("bin/make-test-ca.sh", dir.resolve("ca").toString())
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor());
    Result r = server("raftkv.tls.port=" + Launch.freePort(), "raftkv.tls.bind=0.0.0.0",
        "raftkv.tls.auth-clients=no", "raftkv.tls.cert-file=" + dir.resolve("ca/peer.crt"),
        "raftkv.tls.key-file=" + dir.resolve("ca/peer.key"), "raftkv.tls.ca-file=" + dir.resolve("ca/ca.crt"));
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("refusing to serve TLS clients on 0.0.0.0"), r.err());
  }

  @Test
  void aPasswordOrProtectedModeOffLetsAPeerListenOnAllInterfaces() throws Exception {
    for (Map<String, String> settings : new Map[] {
        Map.of("raftkv.redis.bind", "0.0.0.0", "raftkv.requirepass", "pw"),
        Map.of("raftkv.redis.bind", "0.0.0.0", "raftkv.protected-mode", "no")}) {
      Path peers = peers();
      Path data = Files.createTempDirectory(dir, "d");
      try (RaftKvNode node = RaftKvNode.start("n1", PeersFile.load(peers), data,
          NodeConfig.build(null, Map.of(), settings))) {
        try (RespClient c = new RespClient("127.0.0.1", node.redisAddress().getPort(), 5000, 5000)) {
          Object ping = settings.containsKey("raftkv.requirepass") ? c.call("AUTH", "pw") : c.call("PING");
          assertEquals(settings.containsKey("raftkv.requirepass") ? "OK" : "PONG", ping);
        }
      }
    }
  }

  @Test
  void aMissingCertificateFileIsRefusedWithItsKey() throws Exception {
    Result r = server("raftkv.tls.port=" + Launch.freePort(), "raftkv.tls.cert-file=/nonexistent/peer.crt",
        "raftkv.tls.key-file=/nonexistent/peer.key", "raftkv.tls.ca-file=/nonexistent/ca.crt");
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("raftkv.tls.cert-file: cannot read '/nonexistent/peer.crt'"), r.err());
  }
}
