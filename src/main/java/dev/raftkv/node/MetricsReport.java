package dev.raftkv.node;

import dev.raftkv.resp.LatencyHistogram;
import dev.raftkv.resp.ServerStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.codahale.metrics.Counter;
import org.apache.ratis.thirdparty.com.codahale.metrics.Gauge;
import org.apache.ratis.thirdparty.com.codahale.metrics.Histogram;
import org.apache.ratis.thirdparty.com.codahale.metrics.Meter;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metric;
import org.apache.ratis.thirdparty.com.codahale.metrics.Snapshot;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;

/**
 * The text of {@code /metrics}, in Prometheus' text exposition format (version 0.0.4): raft-kv's
 * own metrics ({@code raftkv_*}; those of a Raft group, store and Raft state, with a {@code group}
 * label, the group's index), then every Apache Ratis metric of this JVM ({@code ratis_*}; those of
 * a group's member with a {@code group} label too).
 * Every name is documented in docs/operations.md.
 */
final class MetricsReport {
  private static final String[] ROLES = {"leader", "follower", "candidate", "listener"};

  /** One metric family: its samples share a name, a type and a help text. */
  private static final class Family {
    final String type;
    final String help;
    final List<String> samples = new ArrayList<>();

    Family(String type, String help) {
      this.type = type;
      this.help = help;
    }
  }

  private final Map<String, Family> families = new TreeMap<>();
  private final StringBuilder own = new StringBuilder();

  private MetricsReport() {}

  static String render(RaftKvNode node, ServerStats stats) {
    MetricsReport r = new MetricsReport();
    r.raftkv(node, stats);
    java.util.Set<String> peerIds = new java.util.HashSet<>();
    try {
      node.raftServer().getDivision(RaftKvNode.GROUP_ID).getGroup().getPeers()
          .forEach(p -> peerIds.add(p.getId().toString()));
    } catch (IOException e) {
      // no group: no peer labels
    }
    java.util.Map<String, Integer> groupOfId = new java.util.HashMap<>();
    for (int g = 0; g < node.groupCount(); g++) {
      groupOfId.put(RaftKvNode.groupId(g).toString(), g);
    }
    r.ratis(peerIds, groupOfId);
    StringBuilder sb = new StringBuilder(r.own);
    r.families.forEach((name, f) -> {
      sb.append("# HELP ").append(name).append(' ').append(f.help).append('\n');
      sb.append("# TYPE ").append(name).append(' ').append(f.type).append('\n');
      f.samples.forEach(s -> sb.append(s).append('\n'));
    });
    return sb.toString();
  }

  // --- raft-kv's own metrics --------------------------------------------------------------------

  private void head(String name, String type, String help) {
    own.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private void sample(String name, String labels, double value) {
    own.append(name);
    if (!labels.isEmpty()) {
      own.append('{').append(labels).append('}');
    }
    own.append(' ').append(number(value)).append('\n');
  }

  private void single(String name, String type, String help, double value) {
    head(name, type, help);
    sample(name, "", value);
  }

  private void raftkv(RaftKvNode node, ServerStats stats) {
    head("raftkv_info", "gauge", "Always 1; labels: this peer's id, version and store.");
    sample("raftkv_info", "id=\"" + escape(node.id()) + "\",version=\"" + escape(InfoReport.version())
        + "\",store=\"" + escape(node.store().kind()) + "\"", 1);
    single("raftkv_uptime_seconds", "gauge", "Seconds since this peer started.",
        (System.currentTimeMillis() - node.startMillis()) / 1000.0);

    // RESP front end
    single("raftkv_connected_clients", "gauge", "Open RESP connections.", stats.connectedClients.get());
    single("raftkv_connections_received_total", "counter", "RESP connections accepted since start.",
        stats.totalConnections.get());
    single("raftkv_commands_processed_total", "counter",
        "Commands received on RESP connections since start (any command, also failed ones).",
        stats.totalCommands.get());
    Map<String, LatencyHistogram> latencies = stats.latencies();
    head("raftkv_commands_total", "counter", "Commands executed, by command name.");
    latencies.forEach((cmd, h) -> {
      long[] c = h.cumulative();
      sample("raftkv_commands_total", "command=\"" + escape(cmd) + "\"", c[c.length - 1]);
    });
    head("raftkv_command_errors_total", "counter", "Commands answered with an error reply, by command name.");
    latencies.forEach((cmd, h) -> sample("raftkv_command_errors_total", "command=\"" + escape(cmd) + "\"",
        h.errors()));
    head("raftkv_command_duration_seconds", "histogram",
        "Time from a parsed command to its reply, by command name.");
    latencies.forEach((cmd, h) -> {
      String l = "command=\"" + escape(cmd) + "\"";
      long[] c = h.cumulative();
      for (int i = 0; i < LatencyHistogram.BOUNDS_SECONDS.length; i++) {
        sample("raftkv_command_duration_seconds_bucket",
            l + ",le=\"" + number(LatencyHistogram.BOUNDS_SECONDS[i]) + "\"", c[i]);
      }
      sample("raftkv_command_duration_seconds_bucket", l + ",le=\"+Inf\"", c[c.length - 1]);
      sample("raftkv_command_duration_seconds_sum", l, h.sumSeconds());
      sample("raftkv_command_duration_seconds_count", l, c[c.length - 1]);
    });
    head("raftkv_error_replies_total", "counter",
        "Error replies by error code (ERR, WRONGTYPE, CLUSTERDOWN, ...); CONFIG RESETSTAT resets them.");
    stats.errorStats().forEach((code, n) -> sample("raftkv_error_replies_total",
        "code=\"" + escape(code) + "\"", n));

    // store and Raft: one sample per Raft group (label group, "0" with one group)
    int k = node.groupCount();
    long[][] sizes = new long[k][];
    for (int g = 0; g < k; g++) {
      sizes[g] = node.stateMachine(g).readStore(s -> new long[] {s.count(), s.approximateBytes()});
    }
    head("raftkv_store_keys", "gauge", "Keys in this peer's store of the group (expired ones not yet removed"
        + " included).");
    for (int g = 0; g < k; g++) {
      sample("raftkv_store_keys", group(g), sizes[g][0]);
    }
    head("raftkv_store_approximate_bytes", "gauge",
        "Approximate bytes of data in this peer's store of the group (RocksDB: live data and memtables).");
    for (int g = 0; g < k; g++) {
      sample("raftkv_store_approximate_bytes", group(g), sizes[g][1]);
    }

    List<RaftServer.Division> divisions = new ArrayList<>();
    List<Integer> indexes = new ArrayList<>();
    for (int g = 0; g < k; g++) {
      try {
        divisions.add(node.raftServer().getDivision(RaftKvNode.groupId(g)));
        indexes.add(g);
      } catch (IOException e) {
        // the group does not run on this peer (yet): no Raft samples for it
      }
    }
    if (divisions.isEmpty()) {
      return;
    }
    head("raftkv_raft_role", "gauge", "1 for this peer's current Raft role in the group, 0 for the others.");
    for (int i = 0; i < divisions.size(); i++) {
      String role = divisions.get(i).getInfo().getCurrentRole().name().toLowerCase(Locale.ROOT);
      for (String r : ROLES) {
        sample("raftkv_raft_role", group(indexes.get(i)) + ",role=\"" + r + "\"", r.equals(role) ? 1 : 0);
      }
    }
    perGroup(divisions, indexes, "raftkv_raft_leader_ready",
        "1 when this peer is the group's leader and ready to serve.",
        (d, g) -> d.getInfo().isLeader() && d.getInfo().isLeaderReady() ? 1 : 0);
    perGroup(divisions, indexes, "raftkv_raft_term", "Current Raft term of the group.",
        (d, g) -> d.getInfo().getCurrentTerm());
    perGroup(divisions, indexes, "raftkv_raft_commit_index", "Highest log index of the group known to be committed.",
        (d, g) -> d.getRaftLog().getLastCommittedIndex());
    perGroup(divisions, indexes, "raftkv_raft_applied_index", "Highest log index of the group applied to its store.",
        (d, g) -> d.getInfo().getLastAppliedIndex());
    perGroup(divisions, indexes, "raftkv_raft_snapshot_index", "Log index of the group's latest snapshot (-1: none).",
        (d, g) -> node.stateMachine(g).lastSnapshotIndex());
    perGroup(divisions, indexes, "raftkv_raft_log_start_index",
        "First index still in the group's Raft log (earlier entries were purged behind a snapshot).",
        (d, g) -> d.getRaftLog().getStartIndex());
    perGroup(divisions, indexes, "raftkv_raft_peers", "Peers in the group's current Raft configuration.",
        (d, g) -> d.getGroup().getPeers().size());
  }

  /** The label of Raft group {@code g}. */
  private static String group(int g) {
    return "group=\"" + g + "\"";
  }

  /** A gauge with one sample per running group. */
  private void perGroup(List<RaftServer.Division> divisions, List<Integer> indexes, String name, String help,
      java.util.function.ToDoubleBiFunction<RaftServer.Division, Integer> value) {
    head(name, "gauge", help);
    for (int i = 0; i < divisions.size(); i++) {
      sample(name, group(indexes.get(i)), value.applyAsDouble(divisions.get(i), indexes.get(i)));
    }
  }

  // --- Ratis' metrics ---------------------------------------------------------------------------

  /**
   * Ratis names a metric {@code APP.COMPONENT.PREFIX.NAME}, where PREFIX is a member id
   * ({@code n1@group-...}), a server or a client id, and NAME may start with a peer's id
   * ({@code follower_n2_match_index}, {@code n2_latency}). The ids become labels ({@code
   * registry}, {@code peer}), so one metric has one name on every peer: {@code
   * ratis_log_appender_match_index{registry="n1@group-...",peer="n2"}}.
   */
  private void ratis(java.util.Set<String> peerIds, java.util.Map<String, Integer> groupOfId) {
    for (RatisMetricRegistry registry : MetricRegistries.global().getMetricRegistries()) {
      if (!(registry instanceof RatisMetricRegistryImpl impl)) {
        continue;
      }
      MetricRegistryInfo info = registry.getMetricRegistryInfo();
      String prefix = info.getPrefix();
      String base = sanitize(info.getApplicationName() + "_" + info.getMetricsComponentName());
      String head = info.getApplicationName() + "." + info.getMetricsComponentName() + "." + prefix + ".";
      String help = info.getMetricsDescription() == null || info.getMetricsDescription().isBlank()
          ? "Apache Ratis metric." : oneLine(info.getMetricsDescription());
      impl.getDropWizardMetricRegistry().getMetrics().forEach((rawName, metric) -> {
        String rest = rawName.startsWith(head) ? rawName.substring(head.length()) : rawName;
        if (rest.startsWith(prefix + "_")) {
          rest = rest.substring(prefix.length() + 1);
        }
        String labels = "registry=\"" + escape(prefix) + "\"";
        int at = prefix.indexOf('@');
        Integer group = at < 0 ? null : groupOfId.get(prefix.substring(at + 1));
        if (group != null) {
          labels += "," + group(group); // a member id, PEER@group-...: which of raft-kv's groups
        }
        for (String id : peerIds) {
          for (String p : new String[] {"follower_" + id + "_", id + "_"}) {
            if (rest.startsWith(p) && rest.length() > p.length()) {
              rest = rest.substring(p.length());
              labels += ",peer=\"" + escape(id) + "\"";
              break;
            }
          }
          if (labels.contains(",peer=")) {
            break;
          }
        }
        ratisMetric(base + "_" + sanitize(rest), labels, help, metric);
      });
    }
  }

  private static String total(String name) {
    return name.endsWith("_total") ? name : name + "_total";
  }

  private void ratisMetric(String name, String labels, String help, Metric metric) {
    if (metric instanceof Counter c) {
      add(total(name), "counter", help).add(total(name) + "{" + labels + "} " + c.getCount());
    } else if (metric instanceof Meter m) {
      add(total(name), "counter", help).add(total(name) + "{" + labels + "} " + m.getCount());
    } else if (metric instanceof Timer t) {
      summary(name + "_seconds", labels, help, t.getSnapshot(), t.getCount(), 1e-9);
    } else if (metric instanceof Histogram h) {
      summary(name, labels, help, h.getSnapshot(), h.getCount(), 1);
    } else if (metric instanceof Gauge<?> g) {
      Object v;
      try {
        v = g.getValue();
      } catch (RuntimeException e) {
        return; // a gauge of a closed component
      }
      Double d = v instanceof Number n ? Double.valueOf(n.doubleValue())
          : v instanceof Boolean b ? Double.valueOf(b ? 1 : 0) : null;
      if (d != null) {
        add(name, "gauge", help).add(name + "{" + labels + "} " + number(d));
      }
    }
  }

  private void summary(String name, String labels, String help, Snapshot s, long count, double scale) {
    List<String> out = add(name, "summary", help);
    double[] qs = {0.5, 0.75, 0.95, 0.99, 0.999};
    for (double q : qs) {
      out.add(name + "{" + labels + ",quantile=\"" + number(q) + "\"} " + number(s.getValue(q) * scale));
    }
    out.add(name + "_count{" + labels + "} " + count);
  }

  /** The sample list of a family, created on first use; a throwaway list if the name has another type. */
  private List<String> add(String name, String type, String help) {
    Family f = families.computeIfAbsent(name, n -> new Family(type, help));
    return f.type.equals(type) ? f.samples : new ArrayList<>();
  }

  // --- format helpers ---------------------------------------------------------------------------

  /** A valid metric name: letters, digits and underscores, not starting with a digit. */
  static String sanitize(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
          || (c >= '0' && c <= '9' && i > 0);
      sb.append(ok ? c : '_');
    }
    return sb.toString();
  }

  /** A label value: backslash, double quote and newline escaped. */
  static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String oneLine(String s) {
    return s.replace("\\", "\\\\").replace("\n", "\\n");
  }

  static String number(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }
}
