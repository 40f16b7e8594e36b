package dev.raftkv.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.raftkv.cli.Main;
import dev.raftkv.config.NodeConfig;
import dev.raftkv.config.PeersFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine;
import redis.clients.jedis.Jedis;

/**
 * In-JVM peers whose membership changes: peers are defined (a line in the shared peers file),
 * started (optionally with --join), stopped, wiped and forgotten by id, and the real
 * {@code raftkv admin} verbs run against them through picocli, as {@code bin/raftkv admin} does.
 */
final class AdminCluster implements AutoCloseable {
  final Path dir;
  final Path peersFile;
  final NodeConfig config;
  /** Peers-file lines by id, in order. */
  final Map<String, String> lines = new LinkedHashMap<>();
  final Map<String, Integer> redisPorts = new ConcurrentHashMap<>();
  final Map<String, RaftKvNode> nodes = new ConcurrentHashMap<>();

  AdminCluster(Path dir, int size, Map<String, String> overrides) throws Exception {
    this.dir = dir;
    this.peersFile = dir.resolve("peers.conf");
    Map<String, String> o = new LinkedHashMap<>();
    o.put("raft.server.rpc.timeout.min", "500ms");
    o.put("raft.server.rpc.timeout.max", "1000ms");
    o.putAll(overrides);
    this.config = NodeConfig.build(null, o, Map.of());
    for (int i = 1; i <= size; i++) {
      define("n" + i);
    }
    for (int i = 1; i <= size; i++) {
      start("n" + i, false);
    }
    TestCluster.eventually(Duration.ofSeconds(60), () -> leader() != null, "a leader is elected");
  }

  /** Adds a line for a new peer to the peers file (free loopback ports); returns it. */
  String define(String id) throws IOException {
    int redis = TestCluster.freePort();
    String line = id + " 127.0.0.1:" + TestCluster.freePort() + " 127.0.0.1:" + redis;
    lines.put(id, line);
    redisPorts.put(id, redis);
    writePeersFile();
    return line;
  }

  /** Deletes a peer's line from the peers file (after remove-peer, as the README says). */
  void forget(String id) throws IOException {
    lines.remove(id);
    writePeersFile();
  }

  private void writePeersFile() throws IOException {
    Files.write(peersFile, new ArrayList<>(lines.values()));
  }

  String raftAddress(String id) {
    return lines.get(id).split(" ")[1];
  }

  String redisAddress(String id) {
    return lines.get(id).split(" ")[2];
  }

  Path dataDir(String id) {
    return dir.resolve("data").resolve(id);
  }

  void start(String id, boolean join) throws Exception {
    nodes.put(id, RaftKvNode.start(id, PeersFile.load(peersFile), dataDir(id), config, join));
  }

  void stop(String id) {
    RaftKvNode n = nodes.remove(id);
    if (n != null) {
      n.close();
    }
  }

  void wipe(String id) throws IOException {
    try (Stream<Path> walk = Files.walk(dataDir(id))) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  Set<String> running() {
    return nodes.keySet();
  }

  /** The id of the ready leader among the running peers, or null. */
  String leader() {
    for (Map.Entry<String, RaftKvNode> e : nodes.entrySet()) {
      try {
        var info = e.getValue().raftServer().getDivision(RaftKvNode.GROUP_ID).getInfo();
        if (info.isLeader() && info.isLeaderReady()) {
          return e.getKey();
        }
      } catch (IOException | RuntimeException ex) {
        // closed or closing
      }
    }
    return null;
  }

  String awaitLeader() throws InterruptedException {
    TestCluster.eventually(Duration.ofSeconds(60), () -> leader() != null, "a leader is elected");
    return leader();
  }

  long appliedIndex(String id) {
    try {
      return nodes.get(id).raftServer().getDivision(RaftKvNode.GROUP_ID).getInfo().getLastAppliedIndex();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  long commitIndex(String id) {
    try {
      return nodes.get(id).raftServer().getDivision(RaftKvNode.GROUP_ID).getRaftLog().getLastCommittedIndex();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Waits until {@code id} has applied what the leader had committed when this was called. */
  void awaitCaughtUp(String id, Duration limit) throws InterruptedException {
    String l = awaitLeader();
    long target = commitIndex(l);
    TestCluster.eventually(limit, () -> appliedIndex(id) >= target, id + " applies up to " + target);
  }

  Jedis client(String id) {
    return new Jedis("127.0.0.1", redisPorts.get(id), 15_000);
  }

  /** What an admin verb printed and returned. */
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n" + out + err;
    }
  }

  /** Runs {@code raftkv admin --peers FILE args...} in this JVM. */
  Result admin(String... args) {
    List<String> argv = new ArrayList<>(List.of("admin", "--peers", peersFile.toString(), "--timeout", "30000"));
    argv.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(argv.toArray(String[]::new));
    Result r = new Result(code, out.toString(), err.toString());
    System.out.println("$ raftkv " + String.join(" ", argv) + "\n" + r);
    return r;
  }

  /** Runs an admin verb that must succeed. */
  Result adminOk(String... args) {
    Result r = admin(args);
    assertEquals(0, r.code(), () -> "admin " + String.join(" ", args) + " failed: " + r);
    return r;
  }

  /**
   * Writes {@code w:N = N} in a loop, to whichever running peer answers, and records every
   * acknowledged write and the longest time between two acknowledgements.
   */
  final class Load implements AutoCloseable {
    final Set<Long> acked = ConcurrentHashMap.newKeySet();
    final List<String> errors = new CopyOnWriteArrayList<>();
    final AtomicLong longestGapMillis = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    Load() {
      thread = new Thread(this::run, "write-load");
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      long seq = 0;
      long lastAck = System.nanoTime();
      int target = 0;
      Jedis j = null;
      String on = null;
      while (!stop.get()) {
        try {
          if (j == null) {
            List<String> up = new ArrayList<>(running());
            if (up.isEmpty()) {
              Thread.sleep(50);
              continue;
            }
            on = up.get(Math.floorMod(target++, up.size()));
            j = new Jedis("127.0.0.1", redisPorts.get(on), 5_000);
          }
          long n = seq++;
          String reply = j.set("w:" + n, Long.toString(n));
          if ("OK".equals(reply)) {
            acked.add(n);
            long now = System.nanoTime();
            longestGapMillis.accumulateAndGet((now - lastAck) / 1_000_000, Math::max);
            lastAck = now;
          }
          if (n % 50 == 0) { // move between peers now and then
            j.close();
            j = null;
          }
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          errors.add(on + ": " + e.getMessage());
          if (j != null) {
            j.close();
          }
          j = null;
          try {
            Thread.sleep(20);
          } catch (InterruptedException ie) {
            return;
          }
        }
      }
      if (j != null) {
        j.close();
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(30_000);
    }
  }

  /** Every acknowledged write of the load is there, read (linearizably) on {@code id}. */
  void assertAcknowledgedWritesOn(String id, Set<Long> acked) {
    List<Long> all = new ArrayList<>(acked);
    try (Jedis j = client(id)) {
      for (int from = 0; from < all.size(); from += 500) {
        List<Long> chunk = all.subList(from, Math.min(all.size(), from + 500));
        List<String> values = j.mget(chunk.stream().map(n -> "w:" + n).toArray(String[]::new));
        for (int i = 0; i < chunk.size(); i++) {
          assertEquals(Long.toString(chunk.get(i)), values.get(i),
              "acknowledged write w:" + chunk.get(i) + " on " + id);
        }
      }
    }
  }

  /** A write on each running peer is read by every running peer right after its reply. */
  void assertLinearizableEverywhere(String step) {
    List<String> up = new ArrayList<>(running());
    for (String writer : up) {
      String value = step + "@" + writer + "@" + System.nanoTime();
      try (Jedis w = client(writer)) {
        assertEquals("OK", w.set("lin", value), "write on " + writer + " " + step);
      }
      for (String reader : up) {
        try (Jedis r = client(reader)) {
          assertEquals(value, r.get("lin"), "read on " + reader + " after a write on " + writer + " " + step);
        }
      }
    }
  }

  @Override
  public void close() {
    for (String id : new ArrayList<>(nodes.keySet())) {
      stop(id);
    }
  }
}
