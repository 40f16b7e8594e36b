package dev.raftkv.cli;

import dev.raftkv.cli.ClusterView.Member;
import dev.raftkv.config.ConfigException;
import dev.raftkv.config.HostPort;
import dev.raftkv.config.Peer;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** add-peer and remove-peer. */
final class AdminMembership {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  /** Fewer voters than this need --force: 3 is the smallest cluster that survives losing a peer. */
  static final int MIN_VOTERS = 3;

  private final AdminCommand admin;
  private final PrintWriter out;

  AdminMembership(AdminCommand admin) {
    this.admin = admin;
    this.out = admin.out();
  }

  int addPeer(String id, String raft, String redis, long maxLag) throws IOException, ConfigException {
    if (!ID.matcher(id).matches()) {
      throw new IOException("invalid peer id '" + id + "': letters, digits, '_', '.', '-', at most 64");
    }
    HostPort raftHp;
    HostPort redisHp;
    try {
      raftHp = HostPort.parse(raft);
      redisHp = HostPort.parse(redis);
    } catch (IllegalArgumentException e) {
      throw new IOException("add-peer " + id + ": " + e.getMessage());
    }
    ClusterView view = admin.probe();
    view.requireLeader();
    if (view.voter(id).isPresent()) {
      throw new IOException(id + " is already a voter (" + view.describe() + "); nothing was changed");
    }
    if (view.removed.contains(id)) {
      throw new IOException(id + " was removed from this cluster before and an id is never reused:"
          + " start the new peer under a new id, with an empty data dir; nothing was changed");
    }
    boolean resume = false;
    for (Member m : concat(view.voters, view.listeners)) {
      if (m.id().equals(id)) {
        if (!m.address().equals(raftHp.toString())) {
          throw new IOException(id + " is already a listener at " + m.address() + ", not " + raftHp
              + "; remove it first");
        }
        resume = true; // a listener left by an earlier add-peer that did not finish
      } else if (m.address().equals(raftHp.toString())) {
        throw new IOException(raftHp + " is the Raft address of " + m.id() + "; nothing was changed");
      }
    }
    // the new peer must be up, be who it says, and be empty (started with --join)
    java.util.Map<String, String> info;
    try {
      info = ClusterView.infoRaft(redisHp, admin.timeoutMs, admin.credentials());
    } catch (IOException e) {
      throw new IOException(e.getMessage() + ": start the new peer first, empty: bin/raftkv server --id "
          + id + " --peers FILE --join (FILE with its line " + new Peer(id, raftHp, redisHp).toLine()
          + "); nothing was changed");
    }
    if (!id.equals(info.get("raft_id"))) {
      throw new IOException("the peer at " + redisHp + " is " + info.get("raft_id") + ", not " + id
          + "; nothing was changed");
    }
    if (ClusterView.members(info.get("raft_voters")).stream().anyMatch(m -> m.id().equals(id))) {
      // it was a voter once (or belongs to another cluster): its data cannot join this one
      throw new IOException(id + " at " + redisHp + " already has a configuration in which it votes"
          + " (voters " + info.get("raft_voters") + "): start it with --join and an empty data dir;"
          + " nothing was changed");
    }

    List<Member> listeners = new ArrayList<>(view.listeners);
    if (!resume) {
      listeners.add(new Member(id, raftHp.toString()));
      view = admin.setConfiguration(view, AdminCommand.peers(view.voters, null),
          AdminCommand.peers(listeners, null), "adding " + id + " as a listener");
      out.println("added " + id + " as a listener; waiting for it to catch up");
      out.flush();
    }
    long deadline = admin.deadline();
    long applied = -1;
    long commit = -1;
    while (true) {
      ClusterView now = admin.probe();
      commit = now.leaderCommit();
      try {
        applied = Long.parseLong(ClusterView.infoRaft(redisHp, admin.timeoutMs, admin.credentials())
            .getOrDefault("raft_applied_index", "-1"));
      } catch (IOException | NumberFormatException e) {
        applied = -1;
      }
      if (commit >= 0 && applied >= 0 && commit - applied <= maxLag) {
        view = now;
        break;
      }
      if (!AdminCommand.before(deadline)) {
        String why = id + " did not catch up within " + admin.timeoutMs + " ms (applied index " + applied
            + ", leader's commit index " + commit + ")";
        undoListener(id, why);
        throw new IOException(why + "; it was removed again, the configuration is as before");
      }
      AdminCommand.pause();
    }
    out.println(id + " caught up (applied index " + applied + ", leader's commit index " + commit
        + "); promoting it to a voter");
    out.flush();
    // Ratis 3.3.0 cannot turn a listener into a voter in place (RATIS-1825: the leader goes on
    // treating it as initializing, so it never serves clients nor votes until the next leader
    // change). So the caught-up listener is dropped and at once added back as a voter: Ratis
    // stages it (non-voting) until it has the leader's log, which it already has, so that is
    // quick. Each step is one committed configuration; a listener never campaigns, so the peer
    // waits quietly in between.
    Member added = view.listener(id).orElse(new Member(id, raftHp.toString()));
    List<Member> rest = new ArrayList<>(view.listeners);
    rest.removeIf(m -> m.id().equals(id));
    view = admin.setConfiguration(view, AdminCommand.peers(view.voters, null),
        AdminCommand.peers(rest, null), "promoting " + id + " (dropping the listener)");
    List<Member> voters = new ArrayList<>(view.voters);
    voters.add(added);
    try {
      view = admin.setConfiguration(view, AdminCommand.peers(voters, null),
          AdminCommand.peers(rest, null), "promoting " + id + " to a voter");
    } catch (IOException e) {
      throw new IOException(e.getMessage() + "; " + id + " is not a member now: run add-peer again");
    }
    out.println("added " + id + "; configuration (index " + view.confIndex + "): " + view.describe());
    out.println("add this line to the peers file of every peer (and the one you give admin):");
    out.println(new Peer(id, raftHp, redisHp).toLine());
    out.flush();
    return 0;
  }

  /** Removes a listener left by a failed add-peer; reports but does not throw if that fails too. */
  private void undoListener(String id, String why) {
    try {
      ClusterView now = admin.probe();
      if (now.listener(id).isEmpty()) {
        return;
      }
      List<Member> rest = new ArrayList<>(now.listeners);
      rest.removeIf(m -> m.id().equals(id));
      admin.setConfiguration(now, AdminCommand.peers(now.voters, null), AdminCommand.peers(rest, null),
          "removing the listener " + id + " again");
    } catch (IOException | ConfigException e) {
      admin.spec.commandLine().getErr().println("raftkv: after '" + why + "', removing the listener "
          + id + " failed too: " + e.getMessage() + "; run remove-peer --id " + id);
    }
  }

  int removePeer(String id, boolean force) throws IOException, ConfigException {
    ClusterView view = admin.probe();
    view.requireLeader();
    boolean voter = view.voter(id).isPresent();
    if (!voter && view.listener(id).isEmpty()) {
      throw new IOException("unknown id " + id + ": not in the configuration (" + view.describe() + ")"
          + (view.removed.contains(id) ? "; it was removed before" : ""));
    }
    List<Member> voters = new ArrayList<>(view.voters);
    voters.removeIf(m -> m.id().equals(id));
    List<Member> listeners = new ArrayList<>(view.listeners);
    listeners.removeIf(m -> m.id().equals(id));
    if (voter) {
      if (voters.isEmpty()) {
        throw new IOException(id + " is the only voter; a cluster cannot remove its last voter");
      }
      if (voters.size() < MIN_VOTERS && !force) {
        throw new IOException("removing " + id + " would leave " + voters.size() + " voter"
            + (voters.size() == 1 ? "" : "s") + "; fewer than " + MIN_VOTERS
            + " cannot survive the loss of a peer (use --force to do it anyway); nothing was changed");
      }
      // the remaining voters must be able to commit the change: a majority of them must be up
      int up = 0;
      List<String> down = new ArrayList<>();
      for (Member m : voters) {
        var s = view.state(m.id());
        if (s.isEmpty() || s.get().reachable()) {
          up++; // a member the peers file does not list is counted as up: Ratis will tell
        } else {
          down.add(m.id());
        }
      }
      if (up <= voters.size() / 2) {
        throw new IOException("removing " + id + " would leave " + voters.size() + " voters of which "
            + down + " do not answer: no quorum to commit the change; nothing was changed");
      }
      if (id.equals(view.leader)) {
        String to = bestSuccessor(view, voters);
        out.println(id + " is the leader: moving leadership to " + to + " first");
        out.flush();
        view = admin.transferLeadership(view, to);
        voters = new ArrayList<>(view.voters);
        voters.removeIf(m -> m.id().equals(id));
        listeners = new ArrayList<>(view.listeners);
        listeners.removeIf(m -> m.id().equals(id));
      }
    }
    view = admin.setConfiguration(view, AdminCommand.peers(voters, null),
        AdminCommand.peers(listeners, null), "removing " + id);
    out.println("removed " + id + "; configuration (index " + view.confIndex + "): " + view.describe());
    out.println("delete the line of " + id + " from the peers file of every peer; " + id
        + " takes no further part: stop its process and delete its data dir (its id is never reused)");
    out.flush();
    return 0;
  }

  /** The reachable remaining voter with the highest applied index. */
  private static String bestSuccessor(ClusterView view, List<Member> voters) throws IOException {
    String best = null;
    long bestApplied = -1;
    for (Member m : voters) {
      var s = view.state(m.id());
      if (s.isPresent() && s.get().reachable()) {
        long a = s.get().getLong("raft_applied_index", -1);
        if (a > bestApplied) {
          best = m.id();
          bestApplied = a;
        }
      }
    }
    if (best == null) {
      throw new IOException("no other voter answers: cannot move leadership away from " + view.leader);
    }
    return best;
  }

  private static List<Member> concat(List<Member> a, List<Member> b) {
    List<Member> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
