package dev.raftkv.resp;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the RESP front end and its open connections, shown by INFO and CLIENT LIST. */
public final class ServerStats {
  public final AtomicLong connectedClients = new AtomicLong();
  public final AtomicLong totalConnections = new AtomicLong();
  public final AtomicLong totalCommands = new AtomicLong();
  public final AtomicLong rejectedConnections = new AtomicLong();
  /** Subscribers disconnected past the Pub/Sub output limit (INFO stats). */
  public final AtomicLong pubsubDisconnects = new AtomicLong();
  public final long startMillis = System.currentTimeMillis();
  final AtomicLong clientIds = new AtomicLong();
  /** Open connections by id (ids grow, so this is also connection order). */
  final ConcurrentSkipListMap<Long, ClientSession> sessions = new ConcurrentSkipListMap<>();
  private final ConcurrentHashMap<String, CommandStat> commands = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> errors = new ConcurrentHashMap<>();
  /** Latency histograms for /metrics; unlike the INFO statistics never reset. */
  private final ConcurrentHashMap<String, LatencyHistogram> latencies = new ConcurrentHashMap<>();

  /** Calls, time and errors of one command, like a line of Redis's INFO commandstats. */
  public static final class CommandStat {
    final LongAdder calls = new LongAdder();
    final LongAdder micros = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder failed = new LongAdder();

    /** {@code calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..} */
    public String line() {
      long c = calls.sum();
      long us = micros.sum();
      return "calls=" + c + ",usec=" + us + ",usec_per_call="
          + String.format(java.util.Locale.ROOT, "%.2f", c == 0 ? 0.0 : (double) us / c)
          + ",rejected_calls=" + rejected.sum() + ",failed_calls=" + failed.sum();
    }
  }

  /** Counts one executed command: how long it took until its reply and whether it failed. */
  void executed(String name, long nanos, byte[] reply) {
    CommandStat s = commands.computeIfAbsent(name, n -> new CommandStat());
    s.calls.increment();
    s.micros.add(nanos / 1000);
    boolean failed = reply.length > 0 && reply[0] == '-';
    if (failed) {
      s.failed.increment();
      error(reply);
    }
    LatencyHistogram h = latencies.get(name);
    if (h == null) {
      h = latencies.computeIfAbsent(name, n -> new LatencyHistogram());
    }
    h.record(nanos, failed);
  }

  /** Latency histograms by command name (as counted in INFO commandstats), in name order. */
  public Map<String, LatencyHistogram> latencies() {
    return new TreeMap<>(latencies);
  }

  /** Counts a command refused before it ran (wrong arity). */
  void rejected(String name, byte[] reply) {
    commands.computeIfAbsent(name, n -> new CommandStat()).rejected.increment();
    error(reply);
  }

  /** Counts an error reply by its code (ERR, WRONGTYPE, CLUSTERDOWN, ...), like INFO errorstats. */
  void error(byte[] reply) {
    int end = 1;
    while (end < reply.length && end < 64 && reply[end] != ' ' && reply[end] != '\r') {
      end++;
    }
    String code = new String(reply, 1, end - 1, java.nio.charset.StandardCharsets.US_ASCII);
    errors.computeIfAbsent(code, c -> new LongAdder()).increment();
  }

  /** Error replies by code, in code order. */
  public Map<String, Long> errorStats() {
    Map<String, Long> m = new TreeMap<>();
    errors.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  /** Per-command statistics by name, in name order. */
  public Map<String, CommandStat> commandStats() {
    return new TreeMap<>(commands);
  }

  /** Forgets the per-command and error statistics (CONFIG RESETSTAT). */
  public void resetCommandStats() {
    commands.clear();
    errors.clear();
  }

  Collection<ClientSession> sessions() {
    return sessions.values();
  }
}
