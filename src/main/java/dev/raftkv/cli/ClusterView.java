package dev.raftkv.cli;

import dev.raftkv.config.HostPort;
import dev.raftkv.config.Peer;
import dev.raftkv.config.PeersFile;
import dev.raftkv.verify.RespClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.ratis.protocol.RaftPeer;

/**
 * What the admin verbs know about a cluster at one moment: the {@code INFO raft} of every peer of
 * the peers file that answers, and from the leader (or, without one, the reachable peer with the
 * newest configuration) the cluster's configuration: voters, listeners and removed ids.
 */
final class ClusterView {

  /** One peer of the peers file and what it answered; {@code info} is null when unreachable. */
  record PeerState(Peer peer, Map<String, String> info, String error) {
    boolean reachable() {
      return info != null;
    }

    String get(String key) {
      return info == null ? null : info.get(key);
    }

    String getOrDefault(String key, String otherwise) {
      String v = get(key);
      return v == null ? otherwise : v;
    }

    long getLong(String key, long otherwise) {
      String v = get(key);
      try {
        return v == null || v.isEmpty() ? otherwise : Long.parseLong(v);
      } catch (NumberFormatException e) {
        return otherwise;
      }
    }
  }

  /** A member of the configuration: id and Raft address. */
  record Member(String id, String address) {
    RaftPeer raftPeer(int priority) {
      return RaftPeer.newBuilder().setId(id).setAddress(address).setPriority(priority).build();
    }
  }

  final PeersFile peersFile;
  final List<PeerState> states;
  /** The leader's id, or null when no reachable peer is the ready leader. */
  final String leader;
  /** Where the configuration below comes from (the leader, or the peer with the newest one). */
  final PeerState source;
  final List<Member> voters;
  final List<Member> listeners;
  final List<String> removed;
  final long confIndex;

  private ClusterView(PeersFile peersFile, List<PeerState> states) {
    this.peersFile = peersFile;
    this.states = states;
    PeerState lead = null;
    for (PeerState s : states) {
      if ("leader".equals(s.get("raft_role")) && "1".equals(s.get("raft_leader_ready"))
          && (lead == null || s.getLong("raft_term", 0) > lead.getLong("raft_term", 0))) {
        lead = s;
      }
    }
    PeerState src = lead;
    if (src == null) {
      for (PeerState s : states) {
        if (s.reachable() && (src == null
            || s.getLong("raft_conf_index", -1) > src.getLong("raft_conf_index", -1))) {
          src = s;
        }
      }
    }
    String leaderId = lead == null ? null : lead.peer().id();
    if (leaderId == null && src != null) {
      // the leader may be a member the peers file does not list: take its id from a follower
      String named = src.get("raft_leader_id");
      if (named != null && !named.isEmpty() && "follower".equals(src.get("raft_role"))
          && peersFile.find(named).isEmpty()) {
        leaderId = named;
      }
    }
    this.leader = leaderId;
    this.source = src;
    this.voters = src == null ? List.of() : members(src.get("raft_voters"));
    this.listeners = src == null ? List.of() : members(src.get("raft_listeners"));
    this.removed = src == null ? List.of() : ids(src.get("raft_removed_peers"));
    this.confIndex = src == null ? -1 : src.getLong("raft_conf_index", -1);
  }

  /** An ACL user and password for the peers' Redis ports; a null or empty password: no AUTH. */
  record Credentials(String user, String password) {
    static final Credentials NONE = new Credentials("default", null);
  }

  /** Asks every peer of the file for {@code INFO raft}, in parallel. */
  static ClusterView probe(PeersFile peersFile, long timeoutMs, Credentials credentials) {
    List<CompletableFuture<PeerState>> asks = new ArrayList<>();
    for (Peer p : peersFile.peers()) {
      asks.add(CompletableFuture.supplyAsync(() -> {
        try {
          return new PeerState(p, infoRaft(p.redis(), timeoutMs, credentials), null);
        } catch (IOException | RuntimeException e) {
          return new PeerState(p, null, e.getMessage() == null ? e.toString() : e.getMessage());
        }
      }));
    }
    return new ClusterView(peersFile, asks.stream().map(CompletableFuture::join).toList());
  }

  /** {@code INFO raft} of the peer serving RESP at {@code redis}, as key/value pairs. */
  static Map<String, String> infoRaft(HostPort redis, long timeoutMs, Credentials credentials)
      throws IOException {
    int t = (int) Math.max(500, Math.min(timeoutMs, 5000));
    Object reply;
    try (RespClient c = new RespClient(redis.host(), redis.port(), t, t)) {
      if (credentials.password() != null && !credentials.password().isEmpty()) {
        Object auth = c.call("AUTH", credentials.user(), credentials.password());
        if (!"OK".equals(auth)) {
          throw new IOException(redis + ": AUTH as '" + credentials.user() + "' failed: " + auth);
        }
      }
      reply = c.call("INFO", "raft");
    } catch (IOException e) {
      throw new IOException("cannot reach " + redis + ": " + e.getMessage(), e);
    }
    if (!(reply instanceof String text)) {
      throw new IOException(redis + " answered INFO with " + reply);
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : text.split("\r\n")) {
      int c = line.indexOf(':');
      if (c > 0 && !line.startsWith("#")) {
        m.put(line.substring(0, c), line.substring(c + 1));
      }
    }
    if (!m.containsKey("raft_id")) {
      throw new IOException(redis + " is not a raft-kv peer (no raft_id in INFO)");
    }
    return m;
  }

  /** Parses {@code id@host:port,...}. */
  static List<Member> members(String list) {
    List<Member> out = new ArrayList<>();
    if (list == null || list.isBlank()) {
      return out;
    }
    for (String item : list.split(",")) {
      int at = item.indexOf('@');
      if (at > 0) {
        out.add(new Member(item.substring(0, at), item.substring(at + 1)));
      }
    }
    return out;
  }

  static List<String> ids(String list) {
    List<String> out = new ArrayList<>();
    if (list != null) {
      for (String s : list.split(",")) {
        if (!s.isBlank()) {
          out.add(s.strip());
        }
      }
    }
    return out;
  }

  Optional<PeerState> state(String id) {
    return states.stream().filter(s -> s.peer().id().equals(id)).findFirst();
  }

  Optional<Member> voter(String id) {
    return voters.stream().filter(m -> m.id().equals(id)).findFirst();
  }

  Optional<Member> listener(String id) {
    return listeners.stream().filter(m -> m.id().equals(id)).findFirst();
  }

  /**
   * The leader's commit index; when the leader is not in the peers file, the highest commit index
   * a reachable peer reports; -1 without a leader.
   */
  long leaderCommit() {
    if (leader == null) {
      return -1;
    }
    return state(leader).map(s -> s.getLong("raft_commit_index", -1)).orElseGet(() -> states.stream()
        .mapToLong(s -> s.getLong("raft_commit_index", -1)).max().orElse(-1));
  }

  /** Fails with a clear message when there is no leader. */
  String requireLeader() throws IOException {
    if (leader != null) {
      return leader;
    }
    long up = states.stream().filter(PeerState::reachable).count();
    throw new IOException("no leader: " + up + " of " + states.size() + " peers of " + peersFile.path()
        + " answer and none is the leader (no quorum?); nothing was changed");
  }

  /** "voters n1,n2,n3; listeners -" */
  static String describe(List<Member> voters, List<Member> listeners) {
    return "voters " + join(voters) + "; listeners " + join(listeners);
  }

  String describe() {
    return describe(voters, listeners);
  }

  private static String join(List<Member> ms) {
    return ms.isEmpty() ? "-" : ms.stream().map(Member::id).collect(Collectors.toCollection(TreeSet::new))
        .stream().collect(Collectors.joining(","));
  }
}
