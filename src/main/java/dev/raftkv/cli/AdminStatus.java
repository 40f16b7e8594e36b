package dev.raftkv.cli;

import dev.raftkv.cli.ClusterView.Member;
import dev.raftkv.cli.ClusterView.PeerState;
import dev.raftkv.config.Peer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code raftkv admin status}: one row per peer of the peers file (plus members of the
 * configuration the file does not list), the leader marked with {@code *}. LAG is the leader's
 * commit index minus the peer's applied index; for an unreachable peer it is counted from the
 * commit index the leader last heard from it. Exit code 1 when there is no leader.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Each peer's id, addresses, role, term, commit and applied index, lag, last"
        + " snapshot index, store and uptime; the leader is marked with *.",
        "LAG = the leader's commit index - the peer's applied index.",
        "With several Raft groups, a second table: one row per group and peer (role, leader, term, commit,"
            + " applied, lag), the group's leader marked with *.",
        "Exit code 1 when there is no leader (of group 0, or of any group)."})
final class AdminStatus implements Callable<Integer> {
  static final String FORMAT = "%-10s %-22s %-22s %-12s %5s %9s %9s %7s %9s %-8s %s%n";

  @CommandLine.ParentCommand
  AdminCommand admin;

  @Override
  public Integer call() throws Exception {
    ClusterView view = admin.probe();
    PrintWriter out = admin.out();
    long leaderCommit = view.leaderCommit();
    Map<String, Long> heard = new HashMap<>();
    view.state(view.leader == null ? "" : view.leader).ifPresent(l -> {
      for (String item : ClusterView.ids(l.get("raft_peer_commit"))) {
        int eq = item.indexOf('=');
        if (eq > 0) {
          try {
            heard.put(item.substring(0, eq), Long.parseLong(item.substring(eq + 1)));
          } catch (NumberFormatException e) {
            // not a number: leave it out
          }
        }
      }
    });
    out.printf(FORMAT, "ID", "RAFT", "REDIS", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG", "SNAPSHOT",
        "STORE", "UPTIME");
    List<String> notes = new ArrayList<>();
    for (PeerState s : view.states) {
      Peer p = s.peer();
      String id = p.id() + (p.id().equals(view.leader) ? "*" : "");
      boolean member = view.voter(p.id()).isPresent() || view.listener(p.id()).isPresent();
      if (!s.reachable()) {
        Long last = heard.get(p.id());
        out.printf(FORMAT, id, p.raft(), p.redis(), "unreachable", "-", "-", "-",
            last == null || leaderCommit < 0 ? "-" : Long.toString(leaderCommit - last), "-", "-", "-");
        notes.add(p.id() + ": " + s.error());
        continue;
      }
      long applied = s.getLong("raft_applied_index", -1);
      String role = s.get("raft_role");
      if (!member && view.source != null) {
        role = role + "!";
        notes.add(p.id() + ": not a member of the configuration (" + view.describe() + ")");
      }
      out.printf(FORMAT, id, p.raft(), p.redis(), role, s.get("raft_term"),
          s.get("raft_commit_index"), s.get("raft_applied_index"),
          leaderCommit < 0 || applied < 0 ? "-" : Long.toString(Math.max(0, leaderCommit - applied)),
          s.get("raft_snapshot_index"), s.getOrDefault("raft_store", "?"),
          uptime(s.getLong("raft_uptime_in_seconds", -1)));
    }
    List<Member> unlisted = new ArrayList<>();
    view.voters.stream().filter(m -> view.peersFile.find(m.id()).isEmpty()).forEach(unlisted::add);
    view.listeners.stream().filter(m -> view.peersFile.find(m.id()).isEmpty()).forEach(unlisted::add);
    for (Member m : unlisted) {
      Long last = heard.get(m.id());
      String role = view.voter(m.id()).isPresent() ? "voter" : "listener";
      out.printf(FORMAT, m.id() + (m.id().equals(view.leader) ? "*" : ""), m.address(), "?", role, "-",
          last == null ? "-" : last, "-", last == null || leaderCommit < 0 ? "-" : leaderCommit - last,
          "-", "-", "-");
      notes.add(m.id() + ": a member that " + admin.peers + " does not list (add its line)");
    }
    if (view.source != null) {
      out.println("configuration (index " + view.confIndex + "): " + view.describe()
          + (AdminCommand.isTransitional(view) ? " (changing)" : "")
          + "; removed ids: " + (view.removed.isEmpty() ? "-" : String.join(",", view.removed)));
    }
    List<Integer> leaderless = groupTable(view, out);
    for (String n : notes) {
      out.println("note: " + n);
    }
    if (!leaderless.isEmpty()) {
      out.println("no leader in group" + (leaderless.size() > 1 ? "s " : " ")
          + leaderless.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","))
          + ": the slots of " + (leaderless.size() > 1 ? "those groups" : "that group") + " cannot serve writes");
    }
    if (view.leader == null) {
      out.println("no leader: the cluster cannot serve writes");
      out.flush();
      return 1;
    }
    out.println("leader: " + view.leader);
    out.flush();
    return leaderless.isEmpty() ? 0 : 1;
  }

  static final String GROUP_FORMAT = "%-6s %-10s %-12s %-8s %5s %9s %9s %7s%n";

  /**
   * With several Raft groups (raftkv.cluster.groups > 1, INFO raft's {@code raft_groups}): one row
   * per group and peer, from group 0's usual lines and the {@code raft_groupI} lines, the group's
   * leader marked with {@code *}; LAG = the group leader's commit index - the peer's applied
   * index. Returns the groups no reachable peer leads.
   */
  static List<Integer> groupTable(ClusterView view, PrintWriter out) {
    int groups = AdminGroupTransfer.groups(view);
    if (groups <= 1) {
      return List.of();
    }
    out.println();
    out.printf(GROUP_FORMAT, "GROUP", "ID", "ROLE", "LEADER", "TERM", "COMMIT", "APPLIED", "LAG");
    List<Integer> leaderless = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      Map<String, Map<String, String>> rows = new java.util.LinkedHashMap<>();
      String leader = null;
      long leaderTerm = -1;
      long leaderCommit = -1;
      for (PeerState s : view.states) {
        Map<String, String> row = groupRow(s, g);
        rows.put(s.peer().id(), row);
        long term = parse(row.get("term"));
        if ("leader".equals(row.get("role")) && term > leaderTerm) {
          leader = s.peer().id();
          leaderTerm = term;
          leaderCommit = parse(row.get("commit"));
        }
      }
      if (leader == null) {
        leaderless.add(g);
      }
      for (Map.Entry<String, Map<String, String>> e : rows.entrySet()) {
        Map<String, String> row = e.getValue();
        long applied = parse(row.get("applied"));
        out.printf(GROUP_FORMAT, g, e.getKey() + (e.getKey().equals(leader) ? "*" : ""),
            row.getOrDefault("role", "-"), row.getOrDefault("leader", "-").isEmpty() ? "-" : row.get("leader"),
            row.getOrDefault("term", "-"), row.getOrDefault("commit", "-"), row.getOrDefault("applied", "-"),
            leaderCommit < 0 || applied < 0 ? "-" : Long.toString(Math.max(0, leaderCommit - applied)));
      }
    }
    return leaderless;
  }

  /** Group {@code g} of one peer: role, leader, term, commit, applied ("unreachable" when it is). */
  static Map<String, String> groupRow(PeerState s, int g) {
    Map<String, String> row = new HashMap<>();
    if (!s.reachable()) {
      row.put("role", "unreachable");
      return row;
    }
    if (g == 0) {
      row.put("role", s.getOrDefault("raft_role", "-"));
      row.put("leader", s.getOrDefault("raft_leader_id", ""));
      row.put("term", s.getOrDefault("raft_term", "-"));
      row.put("commit", s.getOrDefault("raft_commit_index", "-"));
      row.put("applied", s.getOrDefault("raft_applied_index", "-"));
      return row;
    }
    String line = s.get("raft_group" + g);
    if (line == null) {
      row.put("role", "-");
      return row;
    }
    for (String kv : line.split(",")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        row.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return row;
  }

  static long parse(String v) {
    try {
      return v == null ? -1 : Long.parseLong(v);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** 45s, 12m30s, 3h04m, 2d05h. */
  static String uptime(long s) {
    if (s < 0) {
      return "?";
    } else if (s < 60) {
      return s + "s";
    } else if (s < 3600) {
      return String.format("%dm%02ds", s / 60, s % 60);
    } else if (s < 86400) {
      return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
    }
    return String.format("%dd%02dh", s / 86400, (s % 86400) / 3600);
  }
}
