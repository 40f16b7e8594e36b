package dev.raftkv.node;

import dev.raftkv.pubsub.PubSubHub;

import dev.raftkv.config.Peer;
import dev.raftkv.resp.ServerStats;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;

/** The text of INFO: Redis's usual sections plus {@code raft}. */
final class InfoReport {
  /** Redis's default sections (plus raft); {@code all} adds commandstats, like Redis. */
  private static final List<String> DEFAULT = List.of("server", "clients", "memory", "persistence",
      "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace", "raft");
  private static final List<String> ALL = List.of("server", "clients", "memory", "persistence",
      "stats", "replication", "cpu", "modules", "commandstats", "errorstats", "cluster", "keyspace",
      "raft");
  /** How many keys INFO keyspace reads to count expiring keys; beyond that it extrapolates. */
  static final int EXPIRES_SAMPLE = 10_000;

  private InfoReport() {}

  static String render(RaftKvNode node, List<String> requested, ServerStats stats) {
    java.util.Set<String> wanted = new java.util.LinkedHashSet<>();
    for (String r : requested.isEmpty() ? List.of("default") : requested) {
      switch (r) {
        case "default" -> wanted.addAll(DEFAULT);
        case "all", "everything" -> wanted.addAll(ALL);
        default -> wanted.add(r);
      }
    }
    // in Redis's order whatever order they were asked in; unknown ones are empty, like Redis
    List<String> sections = new java.util.ArrayList<>();
    ALL.stream().filter(wanted::contains).forEach(sections::add);
    StringBuilder sb = new StringBuilder();
    for (String s : sections) {
      int before = sb.length();
      if (before > 0) {
        sb.append("\r\n");
      }
      switch (s) {
        case "server" -> server(node, sb);
        case "clients" -> sb.append("# Clients\r\n")
            .append("connected_clients:").append(stats.connectedClients.get()).append("\r\n")
            .append("maxclients:").append(node.config().get(dev.raftkv.config.NodeConfig.MAX_CLIENTS))
            .append("\r\n")
            .append("blocked_clients:").append(node.blockedClients()).append("\r\n")
            .append("tracking_clients:0\r\n");
        case "memory" -> {
          Runtime rt = Runtime.getRuntime();
          long used = rt.totalMemory() - rt.freeMemory();
          sb.append("# Memory\r\n")
              .append("used_memory:").append(used).append("\r\n")
              .append("used_memory_human:").append(used >> 20).append("M\r\n")
              .append("maxmemory:0\r\n")
              .append("store_approximate_bytes:").append(node.store().approximateBytes()).append("\r\n");
        }
        case "persistence" -> sb.append("# Persistence\r\n")
            .append("loading:0\r\n")
            .append("store:").append(node.store().kind()).append("\r\n")
            .append("rdb_changes_since_last_save:0\r\n")
            .append("aof_enabled:0\r\n")
            .append("raft_log_fsync:always\r\n");
        case "stats" -> sb.append("# Stats\r\n")
            .append("total_connections_received:").append(stats.totalConnections.get()).append("\r\n")
            .append("total_commands_processed:").append(stats.totalCommands.get()).append("\r\n")
            .append("rejected_connections:").append(stats.rejectedConnections.get()).append("\r\n")
            .append("expired_keys:0\r\n")
            .append("evicted_keys:0\r\n")
            .append("keyspace_hits:0\r\n")
            .append("keyspace_misses:0\r\n")
            .append("pubsub_channels:").append(node.pubsub().count(PubSubHub.Space.CHANNEL)).append("\r\n")
            .append("pubsub_patterns:").append(node.pubsub().count(PubSubHub.Space.PATTERN)).append("\r\n")
            .append("pubsubshard_channels:").append(node.pubsub().count(PubSubHub.Space.SHARD)).append("\r\n")
            .append("pubsub_messages_delivered:").append(node.pubsub().delivered()).append("\r\n")
            .append("pubsub_clients_disconnected:").append(stats.pubsubDisconnects.get()).append("\r\n");
        case "cpu" -> {
          java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
          double cpu = os instanceof com.sun.management.OperatingSystemMXBean sun
              ? sun.getProcessCpuTime() / 1e9 : 0;
          sb.append("# CPU\r\n")
              .append("used_cpu_sys:0.000000\r\n") // the JVM reports user and system time together
              .append("used_cpu_user:").append(String.format(Locale.ROOT, "%.6f", cpu)).append("\r\n");
        }
        case "modules" -> sb.append("# Modules\r\n");
        case "errorstats" -> {
          sb.append("# Errorstats\r\n");
          stats.errorStats().forEach((code, n) ->
              sb.append("errorstat_").append(code).append(":count=").append(n).append("\r\n"));
        }
        case "cluster" -> sb.append("# Cluster\r\n").append("cluster_enabled:")
            .append(clusterMode(node) ? 1 : 0).append("\r\n");
        case "commandstats" -> {
          sb.append("# Commandstats\r\n");
          stats.commandStats().forEach((name, st) ->
              sb.append("cmdstat_").append(name).append(':').append(st.line()).append("\r\n"));
        }
        case "replication" -> sb.append("# Replication\r\n")
            .append("role:master\r\n")
            .append("connected_slaves:0\r\n")
            // Redis's replication offset counts bytes of its stream; here, entries of the Raft log
            .append("master_repl_offset:").append(appliedIndex(node)).append("\r\n");
        case "keyspace" -> {
          sb.append("# Keyspace\r\n");
          // the groups DBSIZE answers for, so that INFO keyspace and DBSIZE agree with several groups
          long[] counted = new long[2];
          for (dev.raftkv.raft.KvStateMachine sm : node.servedStateMachines()) {
            long[] c = sm.readStore(InfoReport::countKeys);
            counted[0] += c[0];
            counted[1] += c[1];
          }
          if (counted[0] > 0) {
            sb.append("db0:keys=").append(counted[0]).append(",expires=").append(counted[1])
                .append(",avg_ttl=0\r\n");
          }
        }
        case "raft" -> raft(node, sb);
        default -> sb.setLength(before); // unknown sections are empty, like Redis
      }
    }
    return sb.toString();
  }

  /**
   * {keys, keys with a deadline}. Expiring keys are counted exactly up to {@link #EXPIRES_SAMPLE}
   * keys and extrapolated from that many beyond, so INFO stays cheap on a large store.
   */
  static long[] countKeys(dev.raftkv.store.Store store) {
    long keys = store.count();
    long[] seen = {0, 0};
    store.scan((k, v) -> {
      seen[0]++;
      if (v.length >= 9 && dev.raftkv.command.Record.expireAt(v) != 0) {
        seen[1]++;
      }
      return seen[0] < EXPIRES_SAMPLE;
    });
    long expires = seen[0] == 0 ? 0 : seen[0] >= keys ? seen[1] : Math.round((double) seen[1] * keys / seen[0]);
    return new long[] {keys, Math.min(expires, keys)};
  }

  /**
   * What CONFIG GET answers: the Redis parameters clients look at, with the values that describe
   * raft-kv (nothing is evicted; the Raft log plays the part of an always-fsynced append-only
   * file), then raft-kv's own keys.
   */
  static java.util.Map<String, String> configView(dev.raftkv.config.NodeConfig config, int port) {
    java.util.Map<String, String> view = new java.util.LinkedHashMap<>();
    view.put("save", "");
    view.put("appendonly", "yes");
    view.put("appendfsync", "always");
    view.put("databases", "1");
    view.put("maxmemory", "0");
    view.put("maxmemory-policy", "noeviction");
    view.put("min-replicas-to-write", "0");
    view.put("min-slaves-to-write", "0");
    view.put("maxclients", config.get(dev.raftkv.config.NodeConfig.MAX_CLIENTS));
    view.put("timeout", config.get(dev.raftkv.config.NodeConfig.IDLE_TIMEOUT));
    view.put("client-query-buffer-limit", config.get(dev.raftkv.config.NodeConfig.CLIENT_QUERY_BUFFER_LIMIT));
    view.put("tcp-keepalive", "300");
    view.put("port", Integer.toString(port));
    view.put("proto-max-bulk-len", config.get(dev.raftkv.config.NodeConfig.PROTO_MAX_BULK_LEN));
    view.put("notify-keyspace-events", "");
    view.put("hll-sparse-max-bytes", Integer.toString(dev.raftkv.command.HyperLogLog.SPARSE_MAX_BYTES));
    // Redis 7.0's encoding thresholds, with their defaults: CONFIG SET may change them on a peer
    // (resp.LocalCommands), as clients and Redis's own test suite do; raft-kv has one encoding
    // per type, so they change nothing else (OBJECT ENCODING answers as for Redis's defaults)
    view.put("hash-max-listpack-entries", "128");
    view.put("hash-max-ziplist-entries", "128");
    view.put("hash-max-listpack-value", "64");
    view.put("hash-max-ziplist-value", "64");
    view.put("list-max-listpack-size", "-2");
    view.put("list-max-ziplist-size", "-2");
    view.put("list-compress-depth", "0");
    view.put("set-max-intset-entries", "512");
    view.put("zset-max-listpack-entries", "128");
    view.put("zset-max-ziplist-entries", "128");
    view.put("zset-max-listpack-value", "64");
    view.put("zset-max-ziplist-value", "64");
    view.put("cluster-enabled", config.get(dev.raftkv.config.NodeConfig.CLUSTER_ENABLED));
    view.put("requirepass", config.get(dev.raftkv.config.NodeConfig.REQUIREPASS));
    view.put("protected-mode", config.get(dev.raftkv.config.NodeConfig.PROTECTED_MODE));
    view.put("tls-port", config.get(dev.raftkv.config.NodeConfig.TLS_PORT));
    new java.util.TreeMap<>(config.asMap()).forEach((k, v) -> {
      if (k.startsWith("raftkv.")) {
        view.put(k, v);
      }
    });
    return view;
  }

  private static void server(RaftKvNode node, StringBuilder sb) {
    long uptime = (System.currentTimeMillis() - node.startMillis()) / 1000;
    sb.append("# Server\r\n")
        .append("redis_version:7.0.0\r\n")
        .append("raftkv_version:").append(version()).append("\r\n")
        .append("redis_mode:").append(clusterMode(node) ? "cluster" : "standalone").append("\r\n")
        .append("os:").append(System.getProperty("os.name")).append(' ')
        .append(System.getProperty("os.arch")).append("\r\n")
        .append("process_id:").append(ProcessHandle.current().pid()).append("\r\n")
        .append("tcp_port:").append(node.redisAddress().getPort()).append("\r\n")
        .append("uptime_in_seconds:").append(uptime).append("\r\n")
        .append("uptime_in_days:").append(uptime / 86400).append("\r\n")
        .append("java_version:").append(System.getProperty("java.version")).append("\r\n")
        .append("jvm_uptime_ms:").append(ManagementFactory.getRuntimeMXBean().getUptime()).append("\r\n");
  }

  /** {@code id@host:port,...} sorted by id. */
  private static String peerList(java.util.Collection<RaftPeer> peers) {
    return peers.stream().map(p -> p.getId() + "@" + p.getAddress()).sorted()
        .collect(Collectors.joining(","));
  }

  private static boolean clusterMode(RaftKvNode node) {
    return node.config().get(dev.raftkv.config.NodeConfig.CLUSTER_ENABLED).equals("yes");
  }

  static String version() {
    String v = InfoReport.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** The index of the last Raft log entry this peer applied; 0 while its group is not there. */
  private static long appliedIndex(RaftKvNode node) {
    try {
      return node.raftServer().getDivision(RaftKvNode.GROUP_ID).getInfo().getLastAppliedIndex();
    } catch (IOException e) {
      return 0;
    }
  }

  private static void raft(RaftKvNode node, StringBuilder sb) {
    sb.append("# Raft\r\n").append("raft_id:").append(node.id()).append("\r\n");
    try {
      RaftServer.Division d = node.raftServer().getDivision(RaftKvNode.GROUP_ID);
      DivisionInfo info = d.getInfo();
      String leader = info.getLeaderId() == null ? "" : info.getLeaderId().toString();
      sb.append("raft_role:").append(info.getCurrentRole().name().toLowerCase(Locale.ROOT)).append("\r\n")
          .append("raft_leader_id:").append(leader).append("\r\n")
          .append("raft_leader_ready:").append(info.isLeader() && info.isLeaderReady() ? 1 : 0).append("\r\n")
          .append("raft_term:").append(info.getCurrentTerm()).append("\r\n")
          .append("raft_commit_index:").append(d.getRaftLog().getLastCommittedIndex()).append("\r\n")
          .append("raft_applied_index:").append(info.getLastAppliedIndex()).append("\r\n")
          .append("raft_snapshot_index:").append(node.stateMachine().lastSnapshotIndex()).append("\r\n")
          .append("raft_log_start_index:").append(d.getRaftLog().getStartIndex()).append("\r\n")
          .append("raft_log_dir_syncs:").append(node.stateMachine().logDirSyncs()).append("\r\n")
          .append("raft_forwarded_in:").append(node.forwardedIn()).append("\r\n")
          .append("raft_peers:").append(d.getGroup().getPeers().stream()
              .map(p -> p.getId() + "@" + p.getAddress()).sorted().collect(Collectors.joining(",")))
          .append("\r\n");
      // the configuration this peer knows (the leader's is the cluster's): voters and listeners
      // separately, so `raftkv admin` can build the next configuration from it
      RaftConfiguration conf = d.getRaftConf();
      sb.append("raft_conf_index:").append(conf.getLogEntryIndex()).append("\r\n")
          .append("raft_conf_transitional:").append(conf.getPreviousPeers().isEmpty() ? 0 : 1).append("\r\n")
          .append("raft_voters:").append(peerList(conf.getCurrentPeers(RaftPeerRole.FOLLOWER))).append("\r\n")
          .append("raft_listeners:").append(peerList(conf.getCurrentPeers(RaftPeerRole.LISTENER))).append("\r\n")
          .append("raft_removed_peers:").append(String.join(",", node.stateMachine().removedPeers()))
          .append("\r\n")
          // each peer's commit index as this peer last heard it (on the leader: from its followers)
          .append("raft_peer_commit:").append(d.getCommitInfos().stream()
              .map(ci -> ci.getServer().getId().toStringUtf8() + "=" + ci.getCommitIndex()).sorted()
              .collect(Collectors.joining(","))).append("\r\n");
    } catch (IOException e) {
      sb.append("raft_role:unknown\r\n").append("raft_error:").append(e.getMessage()).append("\r\n");
    }
    String waiting = node.formationStatus();
    if (waiting != null) {
      sb.append("raft_waiting:").append(waiting.replace('\r', ' ').replace('\n', ' ')).append("\r\n");
    }
    sb.append("raft_store:").append(node.store().kind()).append("\r\n")
        .append("raft_uptime_in_seconds:").append((System.currentTimeMillis() - node.startMillis()) / 1000)
        .append("\r\n");
    dev.raftkv.raft.RaftGateway.ReadCounters reads = node.gateway().readCounters();
    sb.append("raft_read_mode:").append(node.config().get(dev.raftkv.config.NodeConfig.READ_MODE))
        .append("\r\n")
        .append("raft_read_rounds:").append(reads.rounds()).append("\r\n")
        .append("raft_read_index_claims:").append(reads.claims()).append("\r\n")
        .append("raft_read_index_requests:").append(reads.requests()).append("\r\n")
        .append("raft_configured_peers:").append(node.peers().peers().stream().map(Peer::id)
            .collect(Collectors.joining(","))).append("\r\n");
    if (node.groupCount() > 1) {
      // raftkv.cluster.groups > 1: the lines above are group 0's; one summary line per other group
      sb.append("raft_groups:").append(node.groupCount()).append("\r\n");
      for (int i = 1; i < node.groupCount(); i++) {
        sb.append("raft_group").append(i).append(':');
        try {
          RaftServer.Division d = node.raftServer().getDivision(RaftKvNode.groupId(i));
          DivisionInfo info = d.getInfo();
          sb.append("role=").append(info.getCurrentRole().name().toLowerCase(Locale.ROOT))
              .append(",leader=").append(info.getLeaderId() == null ? "" : info.getLeaderId().toString())
              .append(",term=").append(info.getCurrentTerm())
              .append(",commit=").append(d.getRaftLog().getLastCommittedIndex())
              .append(",applied=").append(info.getLastAppliedIndex());
        } catch (IOException e) {
          sb.append("role=unknown");
        }
        sb.append("\r\n");
      }
    }
  }
}
