package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.cli.Main;
import dev.raftkv.config.NodeConfig;
import dev.raftkv.config.PeersFile;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A real 3-peer cluster whose Raft traffic is mutual TLS (Ratis gRPC) and whose peers also serve
 * Redis clients over TLS with client certificates required, with certificates made by
 * bin/make-test-ca.sh: redis-cli --tls, Jedis and Lettuce over TLS, refusal of clients without a
 * certificate, and the admin tool over Raft TLS.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsIT {
  @TempDir
  static Path dir;
  static Path ca;
  static RaftKvNode[] nodes = new RaftKvNode[3];
  static int[] tlsPorts = new int[3];
  static PeersFile peers;

  @BeforeAll
  static void start() throws Exception {
    ca = dir.resolve("ca");
    Process p = new ProcessBuilder("bin/make-test-ca.sh", ca.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "make-test-ca.sh: " + out);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      tlsPorts[i] = TestCluster.freePort();
      lines.add("n" + (i + 1) + " 127.0.0.1:" + TestCluster.freePort() + " 127.0.0.1:"
          + TestCluster.freePort());
    }
    Files.write(dir.resolve("peers.conf"), lines);
    peers = PeersFile.load(dir.resolve("peers.conf"));
    for (int i = 0; i < 3; i++) {
      Map<String, String> o = new LinkedHashMap<>(tlsSettings());
      o.put("raftkv.store", "memory");
      o.put("raftkv.tls.port", Integer.toString(tlsPorts[i]));
      o.put("raft.server.rpc.timeout.min", "500ms");
      o.put("raft.server.rpc.timeout.max", "1000ms");
      nodes[i] = RaftKvNode.start("n" + (i + 1), peers, dir.resolve("n" + (i + 1)),
          NodeConfig.build(null, o, Map.of()));
    }
    TestCluster.eventually(Duration.ofSeconds(60), () -> leader() >= 0, "a leader over Raft TLS");
  }

  static Map<String, String> tlsSettings() {
    return Map.of("raftkv.tls.raft", "yes",
        "raftkv.tls.cert-file", ca.resolve("peer.crt").toString(),
        "raftkv.tls.key-file", ca.resolve("peer.key").toString(),
        "raftkv.tls.ca-file", ca.resolve("ca.crt").toString());
  }

  static int leader() {
    for (int i = 0; i < nodes.length; i++) {
      try {
        if (nodes[i] != null && nodes[i].raftServer().getDivision(RaftKvNode.GROUP_ID).getInfo().isLeaderReady()) {
          return i;
        }
      } catch (IOException e) {
        // not running
      }
    }
    return -1;
  }

  @AfterAll
  static void stop() {
    for (RaftKvNode n : nodes) {
      if (n != null) {
        n.close();
      }
    }
  }

  static List<String> cli(int peer, String... args) {
    List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p",
        Integer.toString(tlsPorts[peer])));
    cmd.addAll(List.of(args));
    return cmd;
  }

  static String run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return out.strip();
  }

  @Test
  void redisCliWritesOverTlsAndEveryPeerReadsItBack() throws Exception {
    List<String> tls = List.of("--tls", "--cacert", ca.resolve("ca.crt").toString(),
        "--cert", ca.resolve("client.crt").toString(), "--key", ca.resolve("client.key").toString());
    // through a follower: the write reaches the leader on the forwarding stream, over TLS too
    int leader = leader();
    long forwardedBefore = nodes[leader].forwardedIn();
    List<String> set = cli((leader + 1) % 3);
    set.addAll(tls);
    set.addAll(List.of("SET", "tls:cli", "over TLS"));
    assertEquals("OK", run(set));
    assertTrue(nodes[leader].forwardedIn() > forwardedBefore, "the follower's write came on the forwarding stream");
    for (int peer = 0; peer < 3; peer++) {
      List<String> get = cli(peer);
      get.addAll(tls);
      get.addAll(List.of("GET", "tls:cli"));
      assertEquals("over TLS", run(get), "peer " + peer);
    }
    // without a client certificate the handshake fails (raftkv.tls.auth-clients=yes by default)
    List<String> noCert = cli(1, "--tls", "--cacert", ca.resolve("ca.crt").toString(), "PING");
    assertNotEquals("PONG", run(noCert));
    // a plain-text client on the TLS port gets nothing
    assertNotEquals("PONG", run(cli(1, "PING")));
  }

  @Test
  void jedisAndLettuceOverTlsWithAClientCertificate() throws Exception {
    SSLContext ssl = sslContext();
    try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", tlsPorts[1]), DefaultJedisClientConfig.builder()
        .ssl(true).sslSocketFactory(ssl.getSocketFactory()).timeoutMillis(15_000).build())) {
      assertEquals("OK", j.set("tls:jedis", "j"));
      assertEquals("j", j.get("tls:jedis"));
    }
    RedisClient lettuce = RedisClient.create();
    try {
      lettuce.setOptions(io.lettuce.core.ClientOptions.builder().sslOptions(SslOptions.builder().jdkSslProvider()
          .trustManager(ca.resolve("ca.crt").toFile())
          .keyManager(ca.resolve("client.crt").toFile(), ca.resolve("client.key").toFile(), null)
          .build()).build());
      RedisURI uri = RedisURI.builder().withHost("localhost").withPort(tlsPorts[2]).withSsl(true)
          .withVerifyPeer(true).withTimeout(Duration.ofSeconds(15)).build();
      try (StatefulRedisConnection<String, String> c = lettuce.connect(uri)) {
        assertEquals("j", c.sync().get("tls:jedis"));
        assertEquals("OK", c.sync().set("tls:lettuce", "l"));
      }
    } finally {
      lettuce.shutdown(Duration.ZERO, Duration.ofSeconds(5));
    }
    try (Jedis plain = new Jedis("127.0.0.1", peers.peers().get(0).redis().port(), 15_000)) {
      assertEquals("l", plain.get("tls:lettuce")); // the loopback plain port serves the same data
    }
  }

  @Test
  void theRaftPortSpeaksTlsWithThePeerCertificate() throws Exception {
    int raftPort = peers.peers().get(0).raft().port();
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) sslContext().getSocketFactory()
        .createSocket("127.0.0.1", raftPort)) {
      s.startHandshake();
      String subject = ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal().getName();
      assertEquals("CN=raft-kv peer", subject);
    }
  }

  @Test
  void theAdminToolNeedsTheRaftCertificates() throws Exception {
    String peersFile = dir.resolve("peers.conf").toString();
    Result without = admin("admin", "--peers", peersFile, "--timeout", "3000", "snapshot");
    assertNotEquals(0, without.code(), without.out());
    Result with = admin("admin", "--peers", peersFile, "--tls-cert", ca.resolve("client.crt").toString(),
        "--tls-key", ca.resolve("client.key").toString(), "--tls-ca", ca.resolve("ca.crt").toString(),
        "snapshot");
    assertEquals(0, with.code(), with.out());
  }

  record Result(int code, String out) {}

  static Result admin(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
    System.setOut(ps);
    System.setErr(ps);
    try {
      int code = Main.commandLine().execute(args);
      return new Result(code, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** Trusts the test CA and presents the client certificate, from the PEM files. */
  static SSLContext sslContext() throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    Certificate caCert;
    Certificate clientCert;
    try (var in = Files.newInputStream(ca.resolve("ca.crt"))) {
      caCert = cf.generateCertificate(in);
    }
    try (var in = Files.newInputStream(ca.resolve("client.crt"))) {
      clientCert = cf.generateCertificate(in);
    }
    String pem = Files.readString(ca.resolve("client.key")).replaceAll("-----[A-Z ]+-----", "")
        .replaceAll("\\s", "");
    PrivateKey key = KeyFactory.getInstance("RSA")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", caCert);
    ks.setKeyEntry("client", key, new char[0], new Certificate[] {clientCert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }
}
