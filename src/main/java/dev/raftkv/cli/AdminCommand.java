package dev.raftkv.cli;

import dev.raftkv.config.ConfigException;
import dev.raftkv.config.HostPort;
import dev.raftkv.config.Peer;
import dev.raftkv.config.PeersFile;
import dev.raftkv.node.RaftKvNode;
import dev.raftkv.verify.RespClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code raftkv admin}: membership and operations. Every verb blocks until done or failed. */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Operate a running cluster: status, membership, leadership, snapshots.",
    subcommands = {AdminCommand.Status.class, AdminCommand.AddPeer.class, AdminCommand.RemovePeer.class,
        AdminCommand.TransferLeader.class, AdminCommand.Snapshot.class})
final class AdminCommand implements Runnable {

  @Option(names = "--peers", required = true, scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "The peers file of the cluster.")
  Path peers;

  @Option(names = "--timeout", defaultValue = "30000", scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "Milliseconds to wait for the operation (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Option(names = "--user", defaultValue = "default", scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "ACL user for the peers' Redis ports (default: ${DEFAULT-VALUE}).")
  String user;

  @Option(names = "--password", defaultValue = "${env:REDISCLI_AUTH}",
      scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "Password for the Redis ports when the cluster has one (default: $REDISCLI_AUTH).")
  String password;

  @Option(names = "--tls-cert", scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "Client certificate (PEM) for Raft TLS, when the peers run raftkv.tls.raft=yes.")
  Path tlsCert;

  @Option(names = "--tls-key", scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "Its PKCS#8 PEM key.")
  Path tlsKey;

  @Option(names = "--tls-ca", scope = picocli.CommandLine.ScopeType.INHERIT,
      description = "The CA certificate (PEM) that signed the peers' certificates.")
  Path tlsCa;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a verb is required");
  }

  PeersFile peersFile() throws ConfigException {
    return PeersFile.load(peers);
  }

  RaftClient client(PeersFile pf) {
    RaftProperties p = new RaftProperties();
    org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(p,
        TimeDuration.valueOf(Math.max(3000, timeoutMs), java.util.concurrent.TimeUnit.MILLISECONDS));
    org.apache.ratis.conf.Parameters parameters = new org.apache.ratis.conf.Parameters();
    if (tlsCert != null || tlsKey != null || tlsCa != null) {
      if (tlsCert == null || tlsKey == null || tlsCa == null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "Raft TLS needs all three of --tls-cert, --tls-key and --tls-ca");
      }
      org.apache.ratis.grpc.GrpcConfigKeys.TLS.setConf(parameters, dev.raftkv.node.Security.raftTls(
          tlsCert.toString(), tlsKey.toString(), tlsCa.toString()));
    }
    return RaftClient.newBuilder()
        .setProperties(p)
        .setParameters(parameters)
        .setRaftGroup(RaftKvNode.group(pf))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            (int) Math.max(1, timeoutMs / 200), TimeDuration.valueOf(200, java.util.concurrent.TimeUnit.MILLISECONDS)))
        .build();
  }

  static void check(RaftClientReply reply, String what) throws IOException {
    if (!reply.isSuccess()) {
      throw new IOException(what + " failed: " + (reply.getException() == null ? "unknown error"
          : reply.getException().getMessage()));
    }
  }

  Map<String, String> infoRaft(HostPort redis) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    Object reply;
    try (RespClient c = new RespClient(redis.host(), redis.port(), 2000, 2000)) {
      if (password != null && !password.isEmpty()) {
        Object auth = c.call("AUTH", user, password);
        if (!"OK".equals(auth)) {
          throw new IOException(redis + ": AUTH as '" + user + "' failed: " + auth);
        }
      }
      reply = c.call("INFO", "raft");
    }
    if (!(reply instanceof String text)) {
      throw new IOException(String.valueOf(reply));
    }
    for (String line : text.split("\r\n")) {
      int c = line.indexOf(':');
      if (c > 0) {
        m.put(line.substring(0, c), line.substring(c + 1));
      }
    }
    return m;
  }

  /** The id of the current leader, asked of every peer in turn. */
  String leader(PeersFile pf) throws IOException {
    for (Peer p : pf.peers()) {
      try {
        String l = infoRaft(p.redis()).getOrDefault("raft_leader_id", "");
        if (!l.isEmpty()) {
          return l;
        }
      } catch (IOException e) {
        // try the next peer
      }
    }
    throw new IOException("no leader: no peer of " + pf.path() + " knows a leader");
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Each peer's role, term, commit and applied index; exit 1 when no leader.")
  static final class Status implements Callable<Integer> {
    @ParentCommand
    AdminCommand admin;

    @Override
    public Integer call() throws Exception {
      PeersFile pf = admin.peersFile();
      String fmt = "%-8s %-22s %-22s %-10s %6s %12s %12s %10s %s%n";
      System.out.printf(fmt, "ID", "RAFT", "REDIS", "ROLE", "TERM", "COMMIT", "APPLIED", "SNAPSHOT", "LEADER");
      String leader = null;
      long maxCommit = 0;
      List<String[]> rows = new ArrayList<>();
      for (Peer p : pf.peers()) {
        try {
          Map<String, String> r = admin.infoRaft(p.redis());
          String role = r.getOrDefault("raft_role", "?");
          if (role.equals("leader")) {
            leader = p.id();
          }
          maxCommit = Math.max(maxCommit, Long.parseLong(r.getOrDefault("raft_commit_index", "0")));
          rows.add(new String[] {p.id(), p.raft().toString(), p.redis().toString(), role,
              r.getOrDefault("raft_term", "?"), r.getOrDefault("raft_commit_index", "?"),
              r.getOrDefault("raft_applied_index", "?"), r.getOrDefault("raft_snapshot_index", "?"),
              r.getOrDefault("raft_leader_id", "")});
        } catch (IOException e) {
          rows.add(new String[] {p.id(), p.raft().toString(), p.redis().toString(), "down", "-", "-",
              "-", "-", e.getMessage()});
        }
      }
      for (String[] r : rows) {
        System.out.printf(fmt, (Object[]) r);
      }
      if (leader == null) {
        System.out.println("no leader: the cluster cannot serve writes");
        return 1;
      }
      System.out.println("leader: " + leader);
      return 0;
    }
  }

  @Command(name = "add-peer", mixinStandardHelpOptions = true,
      description = "Add a voting peer (start it first with the new peers file); blocks until committed.")
  static final class AddPeer implements Callable<Integer> {
    @ParentCommand
    AdminCommand admin;

    @Option(names = "--id", required = true)
    String id;

    @Option(names = "--raft", required = true, description = "HOST:PORT")
    String raft;

    @Option(names = "--redis", required = true, description = "HOST:PORT")
    String redis;

    @Override
    public Integer call() throws Exception {
      PeersFile pf = admin.peersFile();
      if (pf.find(id).isPresent()) {
        throw new IOException("peer " + id + " is already in " + pf.path());
      }
      HostPort raftHp = HostPort.parse(raft);
      HostPort.parse(redis);
      List<RaftPeer> servers = new ArrayList<>(RaftKvNode.group(pf).getPeers());
      servers.add(RaftPeer.newBuilder().setId(id).setAddress(raftHp.toString()).build());
      try (RaftClient c = admin.client(pf)) {
        check(c.admin().setConfiguration(servers), "add-peer " + id);
      }
      System.out.println("added " + id + "; add this line to every peers file:");
      System.out.println(new Peer(id, raftHp, HostPort.parse(redis)).toLine());
      return 0;
    }
  }

  @Command(name = "remove-peer", mixinStandardHelpOptions = true,
      description = "Remove a peer from the configuration; blocks until committed.")
  static final class RemovePeer implements Callable<Integer> {
    @ParentCommand
    AdminCommand admin;

    @Option(names = "--id", required = true)
    String id;

    @Override
    public Integer call() throws Exception {
      PeersFile pf = admin.peersFile();
      if (pf.find(id).isEmpty()) {
        throw new IOException("peer " + id + " is not in " + pf.path());
      }
      List<RaftPeer> servers = new ArrayList<>();
      for (RaftPeer p : RaftKvNode.group(pf).getPeers()) {
        if (!p.getId().toString().equals(id)) {
          servers.add(p);
        }
      }
      try (RaftClient c = admin.client(pf)) {
        check(c.admin().setConfiguration(servers), "remove-peer " + id);
      }
      System.out.println("removed " + id + "; delete its line from every peers file");
      return 0;
    }
  }

  @Command(name = "transfer-leader", mixinStandardHelpOptions = true,
      description = "Move leadership to the given peer; blocks until it is leader.")
  static final class TransferLeader implements Callable<Integer> {
    @ParentCommand
    AdminCommand admin;

    @Option(names = "--to", required = true)
    String to;

    @Override
    public Integer call() throws Exception {
      PeersFile pf = admin.peersFile();
      if (pf.find(to).isEmpty()) {
        throw new IOException("peer " + to + " is not in " + pf.path());
      }
      // Ratis only transfers to a peer with the highest priority: raise it first.
      List<RaftPeer> servers = new ArrayList<>();
      for (RaftPeer p : RaftKvNode.group(pf).getPeers()) {
        servers.add(RaftPeer.newBuilder(p).setPriority(p.getId().toString().equals(to) ? 1 : 0).build());
      }
      try (RaftClient c = admin.client(pf)) {
        check(c.admin().setConfiguration(servers), "raising the priority of " + to);
        check(c.admin().transferLeadership(RaftPeerId.valueOf(to), admin.timeoutMs),
            "transfer-leader to " + to);
      }
      System.out.println("leader is now " + to);
      return 0;
    }
  }

  @Command(name = "snapshot", mixinStandardHelpOptions = true,
      description = "Take a snapshot now (on the leader, or on the given peer).")
  static final class Snapshot implements Callable<Integer> {
    @ParentCommand
    AdminCommand admin;

    @Option(names = "--id", description = "The peer to take it on (default: the leader).")
    String id;

    @Override
    public Integer call() throws Exception {
      PeersFile pf = admin.peersFile();
      if (id != null && pf.find(id).isEmpty()) {
        throw new IOException("peer " + id + " is not in " + pf.path());
      }
      String target = id != null ? id : admin.leader(pf);
      try (RaftClient c = admin.client(pf)) {
        // creation gap 1: take one unless the latest snapshot is already at the applied index
        RaftClientReply r = c.getSnapshotManagementApi(RaftPeerId.valueOf(target)).create(1, admin.timeoutMs);
        check(r, "snapshot");
        System.out.println("snapshot at index " + r.getLogIndex() + " on " + target
            + (id == null ? " (the leader)" : ""));
      }
      return 0;
    }
  }
}
