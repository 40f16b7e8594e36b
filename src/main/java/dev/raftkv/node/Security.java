package dev.raftkv.node;

import dev.raftkv.config.ConfigException;
import dev.raftkv.config.NodeConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * A peer's security settings turned into the objects that enforce them: the TLS context of the
 * client listener (Netty, JDK provider), the Ratis gRPC TLS parameters for peer-to-peer traffic,
 * and the protected-mode check made before anything listens. See docs/security.md.
 */
public final class Security {
  private Security() {}

  /** The server context of the TLS client port, or null when {@code raftkv.tls.port} is 0. */
  static SslContext clientTls(NodeConfig config) throws ConfigException {
    if (config.getInt(NodeConfig.TLS_PORT) == 0) {
      return null;
    }
    try {
      return SslContextBuilder.forServer(new File(config.get(NodeConfig.TLS_CERT_FILE)),
              new File(config.get(NodeConfig.TLS_KEY_FILE)))
          .trustManager(new File(config.get(NodeConfig.TLS_CA_FILE)))
          .clientAuth(switch (config.get(NodeConfig.TLS_AUTH_CLIENTS)) {
            case "yes" -> ClientAuth.REQUIRE;
            case "optional" -> ClientAuth.OPTIONAL;
            default -> ClientAuth.NONE;
          })
          .sslProvider(SslProvider.JDK)
          .build();
    } catch (Exception e) {
      throw new ConfigException("TLS: cannot use " + NodeConfig.TLS_CERT_FILE + " '"
          + config.get(NodeConfig.TLS_CERT_FILE) + "', " + NodeConfig.TLS_KEY_FILE + " '"
          + config.get(NodeConfig.TLS_KEY_FILE) + "' (a PKCS#8 PEM key) and " + NodeConfig.TLS_CA_FILE
          + " '" + config.get(NodeConfig.TLS_CA_FILE) + "': " + e.getMessage());
    }
  }

  /**
   * Ratis parameters for the Raft server and every Raft client of a peer: mutual TLS with the
   * peer certificate when {@code raftkv.tls.raft=yes}, empty otherwise.
   */
  public static Parameters raftParameters(NodeConfig config) {
    Parameters p = new Parameters();
    if (config.get(NodeConfig.TLS_RAFT).equals("yes")) {
      GrpcConfigKeys.TLS.setConf(p, raftTls(config.get(NodeConfig.TLS_CERT_FILE),
          config.get(NodeConfig.TLS_KEY_FILE), config.get(NodeConfig.TLS_CA_FILE)));
    }
    return p;
  }

  /** Mutual TLS for Ratis gRPC: this side's certificate and key, and the CA that signs peers. */
  public static GrpcTlsConfig raftTls(String certFile, String keyFile, String caFile) {
    return new GrpcTlsConfig(new File(keyFile), new File(certFile), new File(caFile), true);
  }

  /**
   * Protected mode: a listener on an address other than loopback must be protected by a password
   * ({@code raftkv.requirepass}) or, for the TLS port, by client certificates; the Raft port by
   * Raft TLS. Otherwise the peer refuses to start, unless {@code raftkv.protected-mode=no}.
   */
  static void checkProtectedMode(NodeConfig config, String redisBind, String tlsBind, String raftBind)
      throws ConfigException {
    if (config.get(NodeConfig.PROTECTED_MODE).equals("no")) {
      return;
    }
    boolean password = !config.get(NodeConfig.REQUIREPASS).isEmpty();
    String fix = " (or set raftkv.protected-mode=no if the network is trusted; see docs/security.md)";
    if (!password && !loopback(redisBind)) {
      throw new ConfigException("protected mode: refusing to serve Redis clients on " + redisBind
          + " without a password: set raftkv.requirepass, or bind to 127.0.0.1 with raftkv.redis.bind"
          + fix);
    }
    if (tlsBind != null && !password && !config.get(NodeConfig.TLS_AUTH_CLIENTS).equals("yes")
        && !loopback(tlsBind)) {
      throw new ConfigException("protected mode: refusing to serve TLS clients on " + tlsBind
          + " without a password or client certificates: set raftkv.requirepass or"
          + " raftkv.tls.auth-clients=yes" + fix);
    }
    if (!config.get(NodeConfig.TLS_RAFT).equals("yes") && !loopback(raftBind)) {
      throw new ConfigException("protected mode: refusing to accept Raft traffic on " + raftBind
          + " without TLS (anyone reaching that port could read and change all data): set"
          + " raftkv.tls.raft=yes with certificates" + fix);
    }
  }

  private static boolean loopback(String host) throws ConfigException {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      throw new ConfigException("cannot resolve the bind address '" + host + "'");
    }
  }
}
