package dev.raftkv.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Immutable configuration of one peer, built once at start-up. Precedence: built-in defaults &lt;
 * configuration file (--conf) &lt; {@code -D key=value} &lt; command-line flags. Keys starting with
 * {@code raft.} are handed to Apache Ratis unchanged, if Ratis knows them ({@link RatisKeys});
 * every {@code raftkv.} key must be known.
 */
public final class NodeConfig {
  public static final String STORE = "raftkv.store";
  public static final String REDIS_BIND = "raftkv.redis.bind";
  public static final String RAFT_BIND = "raftkv.raft.bind";
  public static final String READ_MODE = "raftkv.read.mode";
  public static final String MAX_BATCH_OPS = "raftkv.write.max-batch-ops";
  public static final String MAX_BATCH_BYTES = "raftkv.write.max-batch-bytes";
  public static final String MAX_INFLIGHT = "raftkv.write.max-inflight";
  /**
   * How long (ms) a leader may hold new entries for a follower while an AppendEntries with entries
   * is still unanswered by it, so they go out together (0: send at once, Ratis' own behaviour).
   */
  public static final String REPLICATION_HOLD_MS = "raftkv.replication.hold-ms";
  /**
   * yes: a follower sends its write batches and read index requests to the leader on raft-kv's
   * own gRPC stream, submitted where they arrive (raft.DirectForward); no: through Ratis' client
   * service (two more thread hand-offs per batch on the leader).
   */
  public static final String FORWARD_DIRECT = "raftkv.forward.direct";
  public static final String REQUEST_TIMEOUT_MS = "raftkv.request.timeout-ms";
  public static final String SNAPSHOT_THRESHOLD = "raftkv.snapshot.auto-threshold";
  public static final String SNAPSHOT_RETAIN = "raftkv.snapshot.retain";
  public static final String LOG_PRESERVE = "raftkv.log.preserve";
  public static final String PROTO_MAX_BULK_LEN = "raftkv.proto-max-bulk-len";
  public static final String MAX_ARGS = "raftkv.max-args";
  public static final String MAX_PENDING_PER_CLIENT = "raftkv.client.max-pending";
  public static final String CATCH_UP_STUCK_MS = "raftkv.catch-up.stuck-ms";
  public static final String EXPIRY_KEYS_PER_ENTRY = "raftkv.expiry.keys-per-entry";
  public static final String EXPIRY_ENTRIES_PER_SECOND = "raftkv.expiry.entries-per-second";
  public static final String METRICS_PORT = "raftkv.metrics.port";
  public static final String METRICS_BIND = "raftkv.metrics.bind";
  public static final String MAX_CLIENTS = "raftkv.maxclients";
  public static final String CLIENT_QUERY_BUFFER_LIMIT = "raftkv.client-query-buffer-limit";
  public static final String IDLE_TIMEOUT = "raftkv.timeout";
  public static final String MAX_COMMAND_BYTES = "raftkv.write.max-command-bytes";
  public static final String MAX_QUEUED_BYTES = "raftkv.max-queued-bytes";
  public static final String MAX_VALUE_BYTES = "raftkv.max-value-bytes";
  /** Redis's client-output-buffer-limit pubsub: hard bytes, soft bytes, soft seconds (0: off). */
  public static final String PUBSUB_OUTPUT_LIMIT = "raftkv.pubsub.output-limit-bytes";
  public static final String PUBSUB_OUTPUT_SOFT_LIMIT = "raftkv.pubsub.output-soft-limit-bytes";
  public static final String PUBSUB_OUTPUT_SOFT_SECONDS = "raftkv.pubsub.output-soft-limit-seconds";
  /** yes: the Redis Cluster protocol (CLUSTER, MOVED, CROSSSLOT; docs/operations.md "Cluster mode"). */
  public static final String CLUSTER_ENABLED = "raftkv.cluster.enabled";
  /**
   * How many Raft groups share the 16,384 slots (SlotTable.evenly); more than 1 needs cluster
   * mode, so that a command's keys are in one slot, hence one group.
   */
  public static final String CLUSTER_GROUPS = "raftkv.cluster.groups";
  /** The most groups raftkv.cluster.groups allows. */
  public static final int MAX_GROUPS = 64;
  // security (docs/security.md)
  public static final String REQUIREPASS = "raftkv.requirepass";
  public static final String PROTECTED_MODE = "raftkv.protected-mode";
  public static final String TLS_PORT = "raftkv.tls.port";
  public static final String TLS_BIND = "raftkv.tls.bind";
  public static final String TLS_CERT_FILE = "raftkv.tls.cert-file";
  public static final String TLS_KEY_FILE = "raftkv.tls.key-file";
  public static final String TLS_CA_FILE = "raftkv.tls.ca-file";
  public static final String TLS_AUTH_CLIENTS = "raftkv.tls.auth-clients";
  public static final String TLS_RAFT = "raftkv.tls.raft";

  /** Built-in defaults, in the order they are documented. */
  public static final Map<String, String> DEFAULTS;

  static {
    Map<String, String> d = new LinkedHashMap<>();
    d.put(STORE, "rocksdb");
    d.put(REDIS_BIND, "");
    d.put(RAFT_BIND, "");
    d.put(READ_MODE, "linearizable");
    d.put(MAX_BATCH_OPS, "1024");
    d.put(MAX_BATCH_BYTES, "4194304");
    d.put(MAX_INFLIGHT, "16");
    d.put(REQUEST_TIMEOUT_MS, "10000");
    d.put(REPLICATION_HOLD_MS, "2");
    d.put(FORWARD_DIRECT, "yes");
    d.put(SNAPSHOT_THRESHOLD, "100000");
    d.put(SNAPSHOT_RETAIN, "2");
    d.put(LOG_PRESERVE, "1000");
    d.put(PROTO_MAX_BULK_LEN, "536870912");
    d.put(MAX_ARGS, "1048576");
    d.put(MAX_PENDING_PER_CLIENT, "10000");
    d.put(CATCH_UP_STUCK_MS, "10000");
    d.put(EXPIRY_KEYS_PER_ENTRY, "500");
    d.put(EXPIRY_ENTRIES_PER_SECOND, "10");
    d.put(METRICS_PORT, "0");
    d.put(METRICS_BIND, "127.0.0.1");
    d.put(MAX_CLIENTS, "10000");
    d.put(CLIENT_QUERY_BUFFER_LIMIT, "1073741824");
    d.put(IDLE_TIMEOUT, "0");
    d.put(MAX_COMMAND_BYTES, "4128768");
    d.put(MAX_QUEUED_BYTES, "67108864");
    d.put(MAX_VALUE_BYTES, String.valueOf(dev.raftkv.command.Commands.DEFAULT_MAX_VALUE));
    d.put(PUBSUB_OUTPUT_LIMIT, "33554432");
    d.put(PUBSUB_OUTPUT_SOFT_LIMIT, "8388608");
    d.put(PUBSUB_OUTPUT_SOFT_SECONDS, "60");
    d.put(CLUSTER_ENABLED, "no");
    d.put(CLUSTER_GROUPS, "1");
    d.put(REQUIREPASS, "");
    d.put(PROTECTED_MODE, "yes");
    d.put(TLS_PORT, "0");
    d.put(TLS_BIND, "");
    d.put(TLS_CERT_FILE, "");
    d.put(TLS_KEY_FILE, "");
    d.put(TLS_CA_FILE, "");
    d.put(TLS_AUTH_CLIENTS, "yes");
    d.put(TLS_RAFT, "no");
    d.put("raft.server.rpc.timeout.min", "1000ms");
    d.put("raft.server.rpc.timeout.max", "2000ms");
    // Ratis defaults that cost most per log entry (docs/performance.md, "Ratis' cost per entry").
    // Each keeps durability: a follower still acknowledges only what it has fsync'd.
    // A follower chains each append onto the previous one's fsync through the ForkJoin pool when
    // on: appends are serialized, never share an fsync, and hop threads 7 times.
    d.put("raft.server.log.append-entries.compose.enabled", "false");
    // With 8 or more appends outstanding, the leader's appender sends an empty heartbeat on every
    // wake-up: more heartbeats than data requests under load.
    d.put("raft.grpc.server.leader.outstanding.appends.max", "128");
    // A metadata entry appended, replicated and fsync'd on every commit advance; Raft does not need
    // the commit index on disk, and the store keeps its own applied index.
    d.put("raft.server.log.log-metadata.enabled", "false");
    DEFAULTS = Collections.unmodifiableMap(d);
  }

  private final Map<String, String> values;

  private NodeConfig(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  /** Defaults only. */
  public static NodeConfig defaults() {
    return new NodeConfig(DEFAULTS);
  }

  /**
   * Builds the configuration: defaults, then the file (may be null), then the {@code -D}
   * overrides, then the flags.
   */
  public static NodeConfig build(Path file, Map<String, String> overrides, Map<String, String> flags)
      throws ConfigException {
    Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
    if (file != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException(file + ": cannot read configuration: " + e.getMessage());
      }
      for (String key : p.stringPropertyNames()) {
        put(v, key, p.getProperty(key).strip(), file + ": key '" + key + "'");
      }
    }
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      put(v, e.getKey(), e.getValue(), "-D " + e.getKey());
    }
    for (Map.Entry<String, String> e : flags.entrySet()) {
      put(v, e.getKey(), e.getValue(), "option for " + e.getKey());
    }
    NodeConfig config = new NodeConfig(v);
    config.validate(file);
    return config;
  }

  private static void put(Map<String, String> v, String key, String value, String where)
      throws ConfigException {
    if (key.startsWith("raft.")) {
      if (!RatisKeys.known(key)) {
        throw new ConfigException(where + ": unknown Ratis configuration key" + RatisKeys.closest(key)
            .map(k -> " (did you mean " + k + "?)").orElse("") + "; Ratis would ignore it");
      }
      v.put(key, value);
    } else if (DEFAULTS.containsKey(key)) {
      v.put(key, value);
    } else {
      throw new ConfigException(where + ": unknown configuration key");
    }
  }

  private void validate(Path file) throws ConfigException {
    String src = file == null ? "configuration" : file.toString();
    String store = get(STORE);
    if (!store.equals("rocksdb") && !store.equals("memory")) {
      throw new ConfigException(src + ": " + STORE + " must be rocksdb or memory, not '" + store + "'");
    }
    String mode = get(READ_MODE);
    if (!mode.equals("linearizable") && !mode.equals("stale")) {
      throw new ConfigException(
          src + ": " + READ_MODE + " must be linearizable or stale, not '" + mode + "'");
    }
    validateSecurity(src);
    int groups;
    try {
      groups = Integer.parseInt(get(CLUSTER_GROUPS));
    } catch (NumberFormatException e) {
      groups = -1;
    }
    if (groups < 1 || groups > MAX_GROUPS) {
      throw new ConfigException(src + ": " + CLUSTER_GROUPS + " must be a whole number from 1 to "
          + MAX_GROUPS + ", not '" + get(CLUSTER_GROUPS) + "'");
    }
    if (groups > 1 && !get(CLUSTER_ENABLED).equals("yes")) {
      throw new ConfigException(src + ": " + CLUSTER_GROUPS + " = " + groups + " needs "
          + CLUSTER_ENABLED + " = yes (with several groups a command's keys must be in one slot,"
          + " which only the Redis Cluster protocol guarantees)");
    }
    for (String key : new String[] {MAX_BATCH_OPS, MAX_BATCH_BYTES, MAX_INFLIGHT,
        REQUEST_TIMEOUT_MS, SNAPSHOT_THRESHOLD, SNAPSHOT_RETAIN, LOG_PRESERVE, PROTO_MAX_BULK_LEN,
        MAX_ARGS, MAX_PENDING_PER_CLIENT, CATCH_UP_STUCK_MS, EXPIRY_KEYS_PER_ENTRY,
        EXPIRY_ENTRIES_PER_SECOND, MAX_CLIENTS, CLIENT_QUERY_BUFFER_LIMIT, IDLE_TIMEOUT,
        MAX_COMMAND_BYTES, MAX_QUEUED_BYTES, MAX_VALUE_BYTES, PUBSUB_OUTPUT_LIMIT,
        PUBSUB_OUTPUT_SOFT_LIMIT, PUBSUB_OUTPUT_SOFT_SECONDS, REPLICATION_HOLD_MS}) {
      long n;
      try {
        n = Long.parseLong(get(key));
      } catch (NumberFormatException e) {
        throw new ConfigException(src + ": " + key + " must be a whole number, not '" + get(key) + "'");
      }
      int min = key.equals(IDLE_TIMEOUT) || key.startsWith("raftkv.pubsub.") || key.equals(REPLICATION_HOLD_MS) ? 0 : 1;
      if (n < min) {
        throw new ConfigException(src + ": " + key + " must be at least " + min + ", not " + n);
      }
    }
    long maxValue = Long.parseLong(get(MAX_VALUE_BYTES));
    if (maxValue > dev.raftkv.command.Commands.MAX_STRING
        || maxValue < Long.parseLong(get(MAX_COMMAND_BYTES))) {
      throw new ConfigException(src + ": " + MAX_VALUE_BYTES + " must be between "
          + MAX_COMMAND_BYTES + " (" + get(MAX_COMMAND_BYTES) + ": a SET of the largest command must"
          + " fit) and 536870912 (Redis's string limit), not " + maxValue);
    }
    String metricsPort = get(METRICS_PORT);
    if (!metricsPort.matches("\\d{1,5}") || Integer.parseInt(metricsPort) > 65535) {
      throw new ConfigException(src + ": " + METRICS_PORT + " must be a port number (0: off), not '"
          + metricsPort + "'");
    }
  }

  private void validateSecurity(String src) throws ConfigException {
    for (String[] choice : new String[][] {{PROTECTED_MODE, "yes", "no"},
        {TLS_AUTH_CLIENTS, "yes", "no", "optional"}, {TLS_RAFT, "yes", "no"},
        {CLUSTER_ENABLED, "yes", "no"}, {FORWARD_DIRECT, "yes", "no"}}) {
      if (!java.util.Arrays.asList(choice).subList(1, choice.length).contains(get(choice[0]))) {
        throw new ConfigException(src + ": " + choice[0] + " must be "
            + String.join(" or ", java.util.Arrays.asList(choice).subList(1, choice.length))
            + ", not '" + get(choice[0]) + "'");
      }
    }
    int tlsPort;
    try {
      tlsPort = Integer.parseInt(get(TLS_PORT));
    } catch (NumberFormatException e) {
      tlsPort = -1;
    }
    if (tlsPort < 0 || tlsPort > 65535) {
      throw new ConfigException(src + ": " + TLS_PORT + " must be a port number (0: no TLS port), not '"
          + get(TLS_PORT) + "'");
    }
    if (tlsPort != 0 || get(TLS_RAFT).equals("yes")) {
      for (String key : new String[] {TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE}) {
        if (get(key).isEmpty()) {
          throw new ConfigException(src + ": " + key + " must be set when " + TLS_PORT + " or "
              + TLS_RAFT + " is used");
        }
        if (!Files.isReadable(Path.of(get(key)))) {
          throw new ConfigException(src + ": " + key + ": cannot read '" + get(key) + "'");
        }
      }
    }
  }

  public String get(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalArgumentException("unknown configuration key " + key);
    }
    return v;
  }

  public long getLong(String key) {
    return Long.parseLong(get(key));
  }

  public int getInt(String key) {
    return Math.toIntExact(getLong(key));
  }

  /** Every {@code raft.*} key, for Ratis' RaftProperties. */
  public Map<String, String> raftProperties() {
    Map<String, String> m = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith("raft.")) {
        m.put(k, v);
      }
    });
    return m;
  }

  public Map<String, String> asMap() {
    return values;
  }
}
