package dev.raftkv.cli;

import dev.raftkv.cli.ClusterView.Member;
import dev.raftkv.config.ConfigException;
import dev.raftkv.config.PeersFile;
import dev.raftkv.node.RaftKvNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code raftkv admin}: status, membership, leadership and snapshots of a running cluster. Every
 * verb blocks until done or failed; a failure prints one clear line and exits non-zero.
 *
 * <p>Configuration changes go through Ratis' {@code setConfiguration} in compare-and-set mode
 * against the configuration the verb read from the leader, so two admins racing cannot overwrite
 * each other's change, and Ratis' joint consensus makes each change all or nothing. Multi-step
 * verbs (add-peer, transfer-leader, remove-peer of the leader) undo their earlier steps when a
 * later one fails.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Operate a running cluster: status, membership, leadership, snapshots.",
    subcommands = {AdminStatus.class, AdminCommand.AddPeer.class, AdminCommand.RemovePeer.class,
        AdminCommand.TransferLeader.class, AdminCommand.Snapshot.class, BackupCommand.Backup.class})
final class AdminCommand implements Runnable {
  /** How often the verbs poll while they wait for something. */
  static final long POLL_MS = 200;

  @Option(names = "--peers", required = true, scope = CommandLine.ScopeType.INHERIT,
      description = "The peers file of the cluster.")
  Path peers;

  @Option(names = "--timeout", defaultValue = "30000", scope = CommandLine.ScopeType.INHERIT,
      description = "Milliseconds to wait for the operation (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces of errors.")
  boolean verbose;

  @Option(names = "--user", defaultValue = "default", scope = CommandLine.ScopeType.INHERIT,
      description = "ACL user for the peers' Redis ports (default: ${DEFAULT-VALUE}).")
  String user;

  @Option(names = "--password", defaultValue = "${env:REDISCLI_AUTH}", scope = CommandLine.ScopeType.INHERIT,
      description = "Password for the Redis ports when the cluster has one (default: $REDISCLI_AUTH).")
  String password;

  @Option(names = "--tls-cert", scope = CommandLine.ScopeType.INHERIT,
      description = "Client certificate (PEM) for Raft TLS, when the peers run raftkv.tls.raft=yes.")
  Path tlsCert;

  @Option(names = "--tls-key", scope = CommandLine.ScopeType.INHERIT,
      description = "Its PKCS#8 PEM key.")
  Path tlsKey;

  @Option(names = "--tls-ca", scope = CommandLine.ScopeType.INHERIT,
      description = "The CA certificate (PEM) that signed the peers' certificates.")
  Path tlsCa;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a verb is required");
  }

  PeersFile peersFile() throws ConfigException {
    return PeersFile.load(peers);
  }

  ClusterView probe() throws ConfigException {
    return ClusterView.probe(peersFile(), timeoutMs, credentials());
  }

  /** How to log in on the peers' Redis ports (no password: none needed). */
  ClusterView.Credentials credentials() {
    return new ClusterView.Credentials(user, password);
  }

  /** Ratis client parameters: Raft TLS when --tls-cert, --tls-key and --tls-ca are given. */
  org.apache.ratis.conf.Parameters raftParameters() {
    org.apache.ratis.conf.Parameters parameters = new org.apache.ratis.conf.Parameters();
    if (tlsCert != null || tlsKey != null || tlsCa != null) {
      if (tlsCert == null || tlsKey == null || tlsCa == null) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "Raft TLS needs all three of --tls-cert, --tls-key and --tls-ca");
      }
      org.apache.ratis.grpc.GrpcConfigKeys.TLS.setConf(parameters, dev.raftkv.node.Security.raftTls(
          tlsCert.toString(), tlsKey.toString(), tlsCa.toString()));
    }
    return parameters;
  }

  long deadline() {
    return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
  }

  static boolean before(long deadline) {
    return System.nanoTime() < deadline;
  }

  static void pause() throws IOException {
    try {
      Thread.sleep(POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  /** A client of the configuration's members, aimed at the leader. */
  RaftClient client(ClusterView view) {
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p,
        TimeDuration.valueOf(Math.max(3000, timeoutMs), TimeUnit.MILLISECONDS));
    List<RaftPeer> members = new ArrayList<>();
    view.voters.forEach(m -> members.add(m.raftPeer(0)));
    view.listeners.forEach(m -> members.add(m.raftPeer(0)));
    RaftClient.Builder b = RaftClient.newBuilder()
        .setProperties(p)
        .setParameters(raftParameters())
        .setRaftGroup(RaftGroup.valueOf(RaftKvNode.GROUP_ID, members))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
            (int) Math.max(1, timeoutMs / 500), TimeDuration.valueOf(500, TimeUnit.MILLISECONDS)));
    if (view.leader != null) {
      b.setLeaderId(RaftPeerId.valueOf(view.leader));
    }
    return b.build();
  }

  static List<RaftPeer> peers(List<Member> members, String raised) {
    return members.stream().map(m -> m.raftPeer(m.id().equals(raised) ? 1 : 0)).toList();
  }

  static Set<String> ids(List<Member> members) {
    return members.stream().map(Member::id).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * Changes the configuration from the one in {@code view} to these voters and listeners, in
   * compare-and-set mode; returns once the new configuration is committed (Ratis replies then).
   * A reply lost on the way is recovered by looking at the configuration the leader has now.
   */
  ClusterView setConfiguration(ClusterView view, List<RaftPeer> voters, List<RaftPeer> listeners,
      String what) throws IOException, ConfigException {
    long deadline = deadline();
    Set<String> wantVoters = voters.stream().map(p -> p.getId().toString()).collect(Collectors.toSet());
    Set<String> wantListeners = listeners.stream().map(p -> p.getId().toString()).collect(Collectors.toSet());
    ClusterView current = view;
    while (true) {
      String failure;
      try (RaftClient c = client(current)) {
        RaftClientReply r = c.admin().setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
            .setServersInNewConf(voters)
            .setListenersInNewConf(listeners)
            .setServersInCurrentConf(peers(current.voters, null))
            .setListenersInCurrentConf(peers(current.listeners, null))
            .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
            .build());
        if (r.isSuccess()) {
          Set<String> gone = new java.util.TreeSet<>(ids(view.voters)); // voters leaving: recorded as removed
          gone.removeAll(wantVoters);
          gone.removeAll(wantListeners);
          return awaitConfiguration(wantVoters, wantListeners, gone, what);
        }
        failure = r.getException() == null ? "unknown error" : r.getException().getMessage();
        if (r.getException() instanceof ReconfigurationInProgressException && before(deadline)) {
          pause();
          current = probe();
          continue;
        }
      } catch (IOException e) {
        failure = e.getMessage() == null ? e.toString() : e.getMessage();
      }
      // did it happen anyway (a reply lost with the connection)?
      ClusterView now = probe();
      if (now.leader != null && ids(now.voters).equals(wantVoters)
          && ids(now.listeners).equals(wantListeners) && !isTransitional(now)) {
        return now;
      }
      throw new IOException(what + " failed: " + failure + "; the configuration is "
          + (now.source == null ? "unknown (no peer answers)" : now.describe()));
    }
  }

  static boolean isTransitional(ClusterView v) {
    return v.source != null && "1".equals(v.source.get("raft_conf_transitional"));
  }

  /**
   * Waits until the leader reports the configuration (its INFO can lag its reply by an instant)
   * and the peers record the voters it removed ({@code gone}): a peer shows a configuration once
   * it has appended it, and records its removed ids only once it has applied it, so an add-peer
   * right after a remove-peer could otherwise miss that an id is never to be reused.
   */
  ClusterView awaitConfiguration(Set<String> voters, Set<String> listeners, Set<String> gone, String what)
      throws IOException, ConfigException {
    long deadline = deadline();
    while (true) {
      ClusterView now = probe();
      if (now.leader != null && ids(now.voters).equals(voters) && ids(now.listeners).equals(listeners)
          && !isTransitional(now) && now.removed.containsAll(gone)) {
        return now;
      }
      if (!before(deadline)) {
        throw new IOException(what + ": Ratis accepted the change but the leader does not show it"
            + " within " + timeoutMs + " ms; the configuration is "
            + (now.source == null ? "unknown" : now.describe()));
      }
      pause();
    }
  }

  /** How many times transfer-leader asks Ratis to hand leadership over before it gives up. */
  static final int TRANSFER_ATTEMPTS = 3;

  /** Waits for a ready leader; with {@code wanted}, for that peer to be it. */
  ClusterView awaitLeader(String wanted, long deadline) throws IOException, ConfigException {
    while (true) {
      ClusterView now = probe();
      if (now.leader != null && (wanted == null || wanted.equals(now.leader))) {
        return now;
      }
      if (!before(deadline)) {
        return now;
      }
      pause();
    }
  }

  /**
   * Moves leadership to {@code to} (a voter): raises its priority (Ratis only hands leadership to
   * the peer with the highest priority), transfers, then sets every priority back to 0 so that a
   * later election is not biased. Priorities are reset also when the transfer fails.
   */
  /**
   * One leadership transfer to {@code to} through {@code c}'s group, bounded by {@code deadline}
   * (at least 1 s): null when Ratis reports success, else why it failed.
   */
  static String transferOnce(RaftClient c, String to, long deadline) {
    try {
      long left = Math.max(1000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      RaftClientReply r = c.admin().transferLeadership(RaftPeerId.valueOf(to), left);
      if (!r.isSuccess()) {
        return r.getException() == null ? "unknown error" : r.getException().getMessage();
      }
      return null;
    } catch (IOException e) {
      return e.getMessage() == null ? e.toString() : e.getMessage();
    }
  }

  ClusterView transferLeadership(ClusterView view, String to) throws IOException, ConfigException {
    if (to.equals(view.leader)) {
      return view;
    }
    ClusterView raised = setConfiguration(view, peers(view.voters, to), peers(view.listeners, null),
        "raising the priority of " + to);
    String failure = null;
    long deadline = deadline();
    try (RaftClient c = client(raised)) {
      // Under load the target's election can lose a race with the old leader's heartbeats (Ratis
      // then reports DIFFERENT_LEADER or TIMED_OUT); its raised priority stays, so try again.
      for (int attempt = 1; attempt <= TRANSFER_ATTEMPTS; attempt++) {
        failure = transferOnce(c, to, deadline);
        if (failure == null) {
          break;
        }
        if (to.equals(probe().leader)) {
          failure = null; // it became leader after all
          break;
        }
        if (!before(deadline)) {
          break;
        }
        pause();
      }
    }
    ClusterView after = awaitLeader(failure == null ? to : null, deadline());
    if (after.leader == null) {
      throw new IOException("transfer of leadership to " + to + " failed: "
          + (failure == null ? "no leader afterwards" : failure)
          + "; no leader now, so the priorities could not be reset (run transfer-leader again)");
    }
    ClusterView reset = setConfiguration(after, peers(after.voters, null), peers(after.listeners, null),
        "resetting the priorities");
    if (!to.equals(reset.leader)) {
      throw new IOException("transfer of leadership to " + to + " failed: "
          + (failure == null ? "it did not become leader" : failure) + "; the leader is "
          + reset.leader + " (priorities reset)");
    }
    return reset;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  @Command(name = "add-peer", mixinStandardHelpOptions = true,
      description = {"Add a peer: it first catches up as a non-voting listener, then becomes a voter.",
          "Start it first, empty: bin/raftkv server --id ID --peers FILE --join (FILE with its line)."})
  static final class AddPeer implements java.util.concurrent.Callable<Integer> {
    @CommandLine.ParentCommand
    AdminCommand admin;

    @Option(names = "--id", required = true)
    String id;

    @Option(names = "--raft", required = true, description = "HOST:PORT of its Raft server")
    String raft;

    @Option(names = "--redis", required = true, description = "HOST:PORT of its RESP server")
    String redis;

    @Option(names = "--max-lag", defaultValue = "100",
        description = "Promote it once its applied index is this close to the leader's commit index"
            + " (default: ${DEFAULT-VALUE}).")
    long maxLag;

    @Override
    public Integer call() throws Exception {
      return new AdminMembership(admin).addPeer(id, raft, redis, maxLag);
    }
  }

  @Command(name = "remove-peer", mixinStandardHelpOptions = true,
      description = {"Remove a peer (also the leader: leadership moves first); blocks until committed.",
          "Refuses to leave fewer than 3 voters unless --force. A removed id is never reused."})
  static final class RemovePeer implements java.util.concurrent.Callable<Integer> {
    @CommandLine.ParentCommand
    AdminCommand admin;

    @Option(names = "--id", required = true)
    String id;

    @Option(names = "--force", description = "Allow leaving fewer than 3 voters.")
    boolean force;

    @Override
    public Integer call() throws Exception {
      return new AdminMembership(admin).removePeer(id, force);
    }
  }

  @Command(name = "transfer-leader", mixinStandardHelpOptions = true,
      description = {"Move leadership to the given voter; blocks until it is leader.",
          "With --group N (raftkv.cluster.groups > 1): move Raft group N's leadership, and make the"
              + " voter that group's preferred peer (Raft priority 1, the others 0), so leader balance"
              + " keeps it there."})
  static final class TransferLeader implements java.util.concurrent.Callable<Integer> {
    @CommandLine.ParentCommand
    AdminCommand admin;

    @Option(names = "--to", required = true)
    String to;

    @Option(names = "--group", description = "The Raft group, from 0 (default: group 0 without changing"
        + " preferences, as with one group).")
    Integer group;

    @Override
    public Integer call() throws Exception {
      if (group != null) {
        return new AdminGroupTransfer(admin).transfer(group, to);
      }
      ClusterView view = admin.probe();
      view.requireLeader();
      if (view.voter(to).isEmpty()) {
        throw new IOException(view.listener(to).isPresent()
            ? to + " is a listener, not a voter: it cannot lead"
            : "unknown id " + to + ": not in the configuration (" + view.describe() + ")");
      }
      if (to.equals(view.leader)) {
        admin.out().println(to + " is already the leader");
        return 0;
      }
      ClusterView after = admin.transferLeadership(view, to);
      admin.out().println("leader is now " + after.leader);
      return 0;
    }
  }

  @Command(name = "snapshot", mixinStandardHelpOptions = true,
      description = "Take a snapshot now (on the leader, or on the given peer).")
  static final class Snapshot implements java.util.concurrent.Callable<Integer> {
    @CommandLine.ParentCommand
    AdminCommand admin;

    @Option(names = "--id", description = "The peer to take it on (default: the leader).")
    String id;

    @Override
    public Integer call() throws Exception {
      ClusterView view = admin.probe();
      view.requireLeader();
      if (id != null && view.voter(id).isEmpty() && view.listener(id).isEmpty()) {
        throw new IOException("unknown id " + id + ": not in the configuration (" + view.describe() + ")");
      }
      String target = id != null ? id : view.leader;
      try (RaftClient c = admin.client(view)) {
        // creation gap 1: take one unless the latest snapshot is already at the applied index
        RaftClientReply r = c.getSnapshotManagementApi(RaftPeerId.valueOf(target)).create(1, admin.timeoutMs);
        if (!r.isSuccess()) {
          throw new IOException("snapshot on " + target + " failed: "
              + (r.getException() == null ? "unknown error" : r.getException().getMessage()));
        }
        admin.out().println("snapshot at index " + r.getLogIndex() + " on " + target
            + (id == null ? " (the leader)" : ""));
      }
      return 0;
    }
  }
}
