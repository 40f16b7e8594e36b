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
 * own metrics ({@code raftkv_*}), then every Apache Ratis metric of this JVM ({@code ratis_*}).
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
    r.ratis(peerIds);
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

    // store
    long[] sizes = node.stateMachine().readStore(s -> new long[] {s.count(), s.approximateBytes()});
    single("raftkv_store_keys", "gauge", "Keys in this peer's store (expired ones not yet removed included).",
        sizes[0]);
    single("raftkv_store_approximate_bytes", "gauge",
        "Approximate bytes of data in this peer's store (RocksDB: live data and memtables).", sizes[1]);

    // Raft
    try {
      RaftServer.Division d = node.raftServer().getDivision(RaftKvNode.GROUP_ID);
      DivisionInfo info = d.getInfo();
      String role = info.getCurrentRole().name().toLowerCase(Locale.ROOT);
      head("raftkv_raft_role", "gauge", "1 for this peer's current Raft role, 0 for the others.");
      for (String r : ROLES) {
        sample("raftkv_raft_role", "role=\"" + r + "\"", r.equals(role) ? 1 : 0);
      }
      single("raftkv_raft_leader_ready", "gauge", "1 when this peer is the leader and ready to serve.",
          info.isLeader() && info.isLeaderReady() ? 1 : 0);
      single("raftkv_raft_term", "gauge", "Current Raft term.", info.getCurrentTerm());
      single("raftkv_raft_commit_index", "gauge", "Highest log index known to be committed.",
          d.getRaftLog().getLastCommittedIndex());
      single("raftkv_raft_applied_index", "gauge", "Highest log index applied to the store.",
          info.getLastAppliedIndex());
      single("raftkv_raft_snapshot_index", "gauge", "Log index of the latest snapshot (-1: none).",
          node.stateMachine().lastSnapshotIndex());
      single("raftkv_raft_log_start_index", "gauge",
          "First index still in the Raft log (earlier entries were purged behind a snapshot).",
          d.getRaftLog().getStartIndex());
      single("raftkv_raft_peers", "gauge", "Peers in the current Raft configuration.",
          d.getGroup().getPeers().size());
    } catch (IOException e) {
      // the Raft server is not running: no Raft samples
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
  private void ratis(java.util.Set<String> peerIds) {
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
