package dev.raftkv.node;

import dev.raftkv.config.NodeConfig;
import dev.raftkv.config.PeersFile;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import redis.clients.jedis.Jedis;

/** A cluster of real peers inside the test JVM, on free loopback ports and temporary dirs. */
final class TestCluster implements AutoCloseable {
  final Path dir;
  final PeersFile peers;
  final NodeConfig config;
  final RaftKvNode[] nodes;
  final int[] redisPorts;

  TestCluster(Path dir, int size, Map<String, String> overrides) throws Exception {
    this(dir, size, overrides, true);
  }

  /** With {@code startAll} false no peer is started: the test starts the ones it wants. */
  TestCluster(Path dir, int size, Map<String, String> overrides, boolean startAll) throws Exception {
    this.dir = dir;
    List<String> lines = new ArrayList<>();
    redisPorts = new int[size];
    int[] ports = freePorts(2 * size);
    for (int i = 0; i < size; i++) {
      redisPorts[i] = ports[2 * i + 1];
      lines.add("n" + (i + 1) + " 127.0.0.1:" + ports[2 * i] + " 127.0.0.1:" + redisPorts[i]);
    }
    Path file = dir.resolve("peers.conf");
    Files.write(file, lines);
    peers = PeersFile.load(file);
    Map<String, String> o = new LinkedHashMap<>();
    o.put("raft.server.rpc.timeout.min", "500ms");
    o.put("raft.server.rpc.timeout.max", "1000ms");
    o.putAll(overrides);
    config = NodeConfig.build(null, o, Map.of());
    nodes = new RaftKvNode[size];
    if (startAll) {
      for (int i = 0; i < size; i++) {
        start(i);
      }
      awaitLeader();
    }
  }

  /**
   * {@code n} distinct free ports: all sockets are held open until every port is known (ports
   * taken one at a time can repeat: a CI run once got the same port twice).
   */
  static int[] freePorts(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0);
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  Path dataDir(int i) {
    return dir.resolve("n" + (i + 1));
  }

  void start(int i) throws Exception {
    nodes[i] = RaftKvNode.start("n" + (i + 1), peers, dataDir(i), config);
  }

  /** Starts a peer with --force-new-cluster. */
  void startForced(int i) throws Exception {
    nodes[i] = RaftKvNode.start("n" + (i + 1), peers, dataDir(i), config, false, true);
  }

  void stop(int i) {
    nodes[i].close();
    nodes[i] = null;
  }

  void wipe(int i) throws IOException {
    try (Stream<Path> walk = Files.walk(dataDir(i))) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  /** A lost disk: stops the peer, deletes its data dir, and starts it again, empty. */
  void restartWiped(int i) throws Exception {
    stop(i);
    wipe(i);
    start(i);
  }

  Jedis client(int i) {
    Jedis j = new Jedis("127.0.0.1", redisPorts[i], 15_000);
    return j;
  }

  int leader() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null) {
        try {
          if (nodes[i].raftServer().getDivision(RaftKvNode.GROUP_ID).getInfo().isLeader()
              && nodes[i].raftServer().getDivision(RaftKvNode.GROUP_ID).getInfo().isLeaderReady()) {
            return i;
          }
        } catch (IOException e) {
          // not running
        }
      }
    }
    return -1;
  }

  int awaitLeader() throws InterruptedException {
    eventually(Duration.ofSeconds(30), () -> leader() >= 0, "a leader is elected");
    return leader();
  }

  int aFollower() {
    int l = leader();
    for (int i = 0; i < nodes.length; i++) {
      if (i != l && nodes[i] != null) {
        return i;
      }
    }
    throw new IllegalStateException("no follower");
  }

  static void eventually(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i] != null) {
        nodes[i].close();
        nodes[i] = null;
      }
    }
  }
}
