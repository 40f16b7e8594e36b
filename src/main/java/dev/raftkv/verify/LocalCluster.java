package dev.raftkv.verify;

import dev.raftkv.node.RaftKvNode;
import dev.raftkv.util.Dirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;

/**
 * A cluster of raft-kv peers as separate JVM processes on loopback, for fault injection.
 *
 * <p>Every peer names the others by host name ({@code n1}, {@code n2}, ...) in one shared peers
 * file. Each JVM gets its own {@code -Djdk.net.hosts.file}: in peer i's process, {@code nj}
 * resolves to {@code 127.0.i.j}, where a {@link LinkProxy} for the directed link i→j listens on
 * peer j's Raft port and forwards to {@code 127.0.0.1}. Peers bind Raft and RESP on {@code
 * 127.0.0.1}. Cutting proxies partitions the network without root.
 *
 * <p>Every process started is tracked by its {@link Process} handle and destroyed in {@link
 * #close()} and, should the JVM exit first, by a shutdown hook. Nothing is ever killed by name.
 */
public final class LocalCluster implements AutoCloseable {

  /** How to start the cluster. */
  public static final class Options {
    public int peers = 3;
    public String store = "rocksdb";
    public Path jar;
    public Path workDir;
    /** {@code -D key=value} settings passed to every peer. */
    public Map<String, String> config = new LinkedHashMap<>();
    public List<String> jvmArgs = new ArrayList<>(List.of("-Xmx384m", "-XX:+UseSerialGC"));
    public Consumer<String> log = s -> System.out.println("[cluster] " + s);
    /**
     * Route Raft traffic through per-link proxies (needed for partitions and slow links). When
     * false, peers address each other as 127.0.0.1 directly: partitions are unavailable, but a
     * problem that remains cannot be blamed on the proxies.
     */
    public boolean proxies = true;
    /**
     * Start every peer under libfaketime (wall clock only, monotonic time untouched) so {@link
     * #skewClock} can move its clock. Needs {@link #FAKETIME_LIBRARY}.
     */
    public boolean clockFaults;
    /**
     * The powerfs binary (src/test/c/powerfs.c, built by bin/build-powerfs.sh): each peer's data
     * dir is then its own powerfs mount, and {@link #powerLoss} drops what was not fsync'd.
     */
    public Path powerfs;
    /** powerfs: a file's fsync makes its name durable too (ext4/xfs); else only a directory fsync. */
    public boolean namesWithData;
    /**
     * Raft groups per peer ({@code raftkv.cluster.groups}); above 1 the peers run with {@code
     * raftkv.cluster.enabled=yes}, as several groups need.
     */
    public int groups = 1;
  }

  /** Debian's libfaketime (package faketime), multi-threaded variant. */
  public static final Path FAKETIME_LIBRARY =
      Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");

  public static boolean faketimeAvailable() {
    return Files.isReadable(FAKETIME_LIBRARY);
  }

  /** One peer. */
  public final class Peer {
    public final int index;
    public final String id;
    public final int raftPort;
    public final int redisPort;
    public final Path dataDir;
    public final Path logFile;
    public final Path hostsFile;
    private volatile Process process;
    private volatile boolean paused;
    private Process powerfs;

    Peer(int index, int raftPort, int redisPort) {
      this.index = index;
      this.id = "n" + index;
      this.raftPort = raftPort;
      this.redisPort = redisPort;
      this.dataDir = workDir.resolve("data").resolve(id);
      this.logFile = workDir.resolve("logs").resolve(id + ".log");
      this.hostsFile = workDir.resolve("hosts").resolve(id + ".hosts");
    }

    public boolean isRunning() {
      Process p = process;
      return p != null && p.isAlive();
    }

    public boolean isPaused() {
      return paused;
    }

    /** Running and not paused. */
    public boolean isUp() {
      return isRunning() && !paused;
    }

    public Optional<Long> pid() {
      Process p = process;
      return p == null ? Optional.empty() : Optional.of(p.pid());
    }

    @Override
    public String toString() {
      return id;
    }
  }

  private static final Set<Process> ALL_PROCESSES = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (Process p : ALL_PROCESSES) {
        signal(p, "CONT");
        p.destroyForcibly();
      }
    }, "local-cluster-cleanup"));
  }

  private final Options options;
  private final Path workDir;
  private final Path peersFile;
  private final List<Peer> peers = new ArrayList<>();
  /** Proxies by (from index, to index). */
  private final Map<Long, LinkProxy> links = new HashMap<>();
  private final Consumer<String> log;
  private Path classArchive;

  public LocalCluster(Options options) throws IOException {
    this.options = options;
    this.log = options.log;
    this.workDir = options.workDir != null ? options.workDir
        : Files.createTempDirectory("raftkv-verify-");
    Files.createDirectories(workDir.resolve("logs"));
    Files.createDirectories(workDir.resolve("hosts"));
    Files.createDirectories(workDir.resolve("data"));
    this.peersFile = workDir.resolve("peers.conf");
    if (options.jar == null || !Files.isRegularFile(options.jar)) {
      throw new IllegalArgumentException("runnable jar not found: " + options.jar);
    }
    int[] ports = freePorts(2 * options.peers);
    for (int i = 1; i <= options.peers; i++) {
      peers.add(new Peer(i, ports[2 * (i - 1)], ports[2 * (i - 1) + 1]));
    }
    StringBuilder pf = new StringBuilder("# written by raft-kv verify\n");
    for (Peer p : peers) {
      pf.append(p.id).append(' ').append(options.proxies ? p.id : "127.0.0.1").append(':')
          .append(p.raftPort)
          .append(" 127.0.0.1:").append(p.redisPort).append('\n');
    }
    Files.writeString(peersFile, pf.toString());
    for (Peer p : peers) {
      StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n");
      for (Peer q : peers) {
        hosts.append(p == q ? "127.0.0.1" : linkAddress(p.index, q.index)).append(' ')
            .append(q.id).append('\n');
      }
      Files.writeString(p.hostsFile, hosts.toString());
    }
    try {
      if (options.powerfs != null) {
        for (Peer p : peers) {
          mount(p);
        }
      }
      for (Peer from : options.proxies ? peers : List.<Peer>of()) {
        for (Peer to : peers) {
          if (from != to) {
            LinkProxy proxy = new LinkProxy(from.id + "->" + to.id,
                new InetSocketAddress(linkAddress(from.index, to.index), to.raftPort),
                new InetSocketAddress("127.0.0.1", to.raftPort));
            links.put(linkKey(from.index, to.index), proxy);
          }
        }
      }
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  private static String linkAddress(int from, int to) {
    return "127.0." + from + "." + to;
  }

  private static long linkKey(int from, int to) {
    return ((long) from << 32) | to;
  }

  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  public Path workDir() {
    return workDir;
  }

  public Path peersFile() {
    return peersFile;
  }

  public List<Peer> peers() {
    return List.copyOf(peers);
  }

  public Peer peer(int index) {
    return peers.get(index - 1);
  }

  public Peer peer(String id) {
    return peers.stream().filter(p -> p.id.equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no peer " + id));
  }

  public int size() {
    return peers.size();
  }

  // ------------------------------------------------------------------ processes

  /** Starts every peer (after a class-data-sharing archive is made for them, when it can be). */
  public void startAll() throws IOException {
    if (classArchive == null) {
      classArchive = trainClassArchive();
    }
    for (Peer p : peers) {
      start(p);
    }
  }

  /**
   * A JVM class-data-sharing archive of the classes a peer loads, so that every peer the faults
   * restart (kill -9, wipe, power loss) starts about 40% faster (1.4 s to 0.8 s on a quiet 2-core
   * machine). A peer killed with -9 never writes one at exit, so one short run writes it: a
   * single-peer cluster on its own ports and data dir, stopped with SIGTERM once it serves. The
   * peers only read the archive; null (no archive, peers start as before) when that fails.
   */
  private Path trainClassArchive() {
    Path archive = workDir.resolve("peer-classes.jsa");
    Path dir = workDir.resolve("cds-training");
    Process proc = null;
    try {
      Files.createDirectories(dir);
      int[] ports = freePorts(2);
      Path peers = dir.resolve("peers.conf");
      Files.writeString(peers, "t1 127.0.0.1:" + ports[0] + " 127.0.0.1:" + ports[1] + "\n");
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(options.jvmArgs);
      cmd.add("-XX:ArchiveClassesAtExit=" + archive);
      cmd.addAll(List.of("-jar", options.jar.toString(), "server", "--id", "t1", "--peers", peers.toString(),
          "--data-dir", dir.resolve("data").toString(), "--store", options.store,
          "-D", "raftkv.raft.bind=127.0.0.1", "-D", "raftkv.redis.bind=127.0.0.1"));
      Path out = workDir.resolve("logs").resolve("cds-training.log");
      proc = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      boolean serving = false;
      while (!serving && proc.isAlive() && System.nanoTime() < until) {
        try (RespClient c = new RespClient("127.0.0.1", ports[1], 500, 2000)) {
          serving = "OK".equals(c.call("SET", "cds", "training"));
        } catch (IOException e) {
          Thread.sleep(100);
        }
      }
      proc.destroy(); // SIGTERM: the JVM writes the archive as it exits
      if (!proc.waitFor(60, TimeUnit.SECONDS)) {
        proc.destroyForcibly();
      }
      int exit = proc.exitValue(); // 143: the SIGTERM it was sent
      if (serving && (exit == 0 || exit == 143) && Files.isRegularFile(archive) && Files.size(archive) > 0) {
        log.accept("class-data-sharing archive for the peers: " + archive);
        return archive;
      }
      log.accept("no class-data-sharing archive (training run: serving " + serving + ", exit " + proc.exitValue()
          + "); peers start without one");
    } catch (IOException | RuntimeException e) {
      log.accept("no class-data-sharing archive (" + e + "); peers start without one");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (proc != null && proc.isAlive()) {
        proc.destroyForcibly();
      }
      try {
        Dirs.deleteRecursively(dir);
      } catch (IOException e) {
        // left in the work dir
      }
    }
    return null;
  }

  /** Starts a peer that is not running. */
  public synchronized void start(Peer p) throws IOException {
    if (p.isRunning()) {
      throw new IllegalStateException(p.id + " is already running");
    }
    Files.createDirectories(p.dataDir);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(options.jvmArgs);
    if (classArchive != null) {
      cmd.add("-XX:SharedArchiveFile=" + classArchive);
    }
    if (options.proxies) {
      cmd.add("-Djdk.net.hosts.file=" + p.hostsFile);
    }
    cmd.add("-jar");
    cmd.add(options.jar.toString());
    cmd.addAll(List.of("server", "--id", p.id, "--peers", peersFile.toString(), "--data-dir",
        p.dataDir.toString(), "--store", options.store));
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("raftkv.raft.bind", "127.0.0.1");
    conf.put("raftkv.redis.bind", "127.0.0.1");
    conf.putAll(options.config);
    if (options.groups > 1) {
      conf.put("raftkv.cluster.enabled", "yes");
      conf.put("raftkv.cluster.groups", Integer.toString(options.groups));
    }
    for (Map.Entry<String, String> e : conf.entrySet()) {
      cmd.add("-D");
      cmd.add(e.getKey() + "=" + e.getValue());
    }
    Files.writeString(p.logFile, "\n==== start " + java.time.Instant.now() + ": "
        + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(p.logFile.toFile()));
    if (options.clockFaults) {
      if (!faketimeAvailable()) {
        throw new IllegalStateException("clock faults need libfaketime (" + FAKETIME_LIBRARY
            + "; Debian package faketime)");
      }
      if (!Files.exists(clockFile(p))) {
        skewClock(p, 0);
      }
      Map<String, String> env = pb.environment();
      env.put("LD_PRELOAD", FAKETIME_LIBRARY.toString());
      env.put("FAKETIME_TIMESTAMP_FILE", clockFile(p).toString());
      env.put("FAKETIME_CACHE_DURATION", "1"); // re-read the offset at most once a second
      env.put("FAKETIME_DONT_FAKE_MONOTONIC", "1"); // timers and leases keep real time
    }
    Process proc = pb.start();
    ALL_PROCESSES.add(proc);
    p.process = proc;
    p.paused = false;
    log.accept("started " + p.id + " pid " + proc.pid());
  }

  /** SIGTERM and wait for a clean exit (SIGKILL after the timeout). */
  public synchronized void stop(Peer p) {
    Process proc = p.process;
    if (proc == null) {
      return;
    }
    if (p.paused) {
      resume(p);
    }
    proc.destroy();
    try {
      if (!proc.waitFor(30, TimeUnit.SECONDS)) {
        log.accept(p.id + " did not stop within 30 s of SIGTERM: killing it");
        proc.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ALL_PROCESSES.remove(proc);
    p.process = null;
    log.accept("stopped " + p.id + " (exit " + (proc.isAlive() ? "?" : proc.exitValue()) + ")");
  }

  /** SIGKILL. */
  public synchronized void kill(Peer p) {
    Process proc = p.process;
    if (proc == null) {
      return;
    }
    proc.destroyForcibly();
    try {
      proc.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ALL_PROCESSES.remove(proc);
    p.process = null;
    p.paused = false;
    log.accept("killed -9 " + p.id);
  }

  public void restart(Peer p) throws IOException {
    kill(p);
    start(p);
  }

  /** SIGSTOP. */
  public synchronized void pause(Peer p) {
    Process proc = p.process;
    if (proc != null && !p.paused) {
      signal(proc, "STOP");
      p.paused = true;
      log.accept("paused " + p.id);
    }
  }

  /** SIGCONT. */
  public synchronized void resume(Peer p) {
    Process proc = p.process;
    if (proc != null && p.paused) {
      signal(proc, "CONT");
      p.paused = false;
      log.accept("resumed " + p.id);
    }
  }

  /** Kill -9, delete the data dir, start again: the peer must catch up from the others. */
  public void wipe(Peer p) throws IOException {
    kill(p);
    deleteData(p);
    start(p);
  }

  /** Deletes everything in a (stopped) peer's data dir, durably: a replaced disk. */
  public void deleteData(Peer p) throws IOException {
    if (p.powerfs == null) {
      Dirs.deleteRecursively(p.dataDir);
    } else {
      try (java.util.stream.Stream<Path> s = Files.list(p.dataDir)) {
        for (Path c : (Iterable<Path>) s::iterator) {
          Dirs.deleteRecursively(c);
        }
      }
      control(p, "sync");
    }
    log.accept("wiped " + p.dataDir);
  }

  private void mount(Peer p) throws IOException {
    Path backing = workDir.resolve("disks").resolve(p.id);
    Files.createDirectories(backing);
    Files.createDirectories(p.dataDir);
    List<String> cmd = new ArrayList<>(List.of(options.powerfs.toString(), backing.toString(),
        p.dataDir.toString(), "-o", "seed=" + p.index));
    if (options.namesWithData) {
      cmd.addAll(List.of("-o", "names_with_data"));
    }
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("logs").resolve(p.id + ".powerfs.log").toFile()))
        .start();
    ALL_PROCESSES.add(proc);
    p.powerfs = proc;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(p.dataDir.resolve(".powerfs"))) {
      if (!proc.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("powerfs did not mount " + p.dataDir + " (see logs/" + p.id + ".powerfs.log)");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
  }

  private static void control(Peer p, String command) throws IOException {
    Files.writeString(p.dataDir.resolve(".powerfs"), command);
  }

  /** Whether peers run on powerfs mounts, so {@link #powerLoss} can be used. */
  public boolean powerLossPossible() {
    return options.powerfs != null;
  }

  /**
   * Power loss of one peer: kill -9, then everything it wrote but did not fsync is dropped (with
   * {@code tear}, a random half of the unsynced pages reaches the disk first), and every directory
   * change whose directory was not fsync'd is undone. The peer is left stopped.
   */
  public void powerLoss(Peer p, boolean tear) throws IOException {
    kill(p);
    control(p, tear ? "crash tear" : "crash");
    log.accept("power loss of " + p.id + (tear ? " (torn pages)" : ""));
  }

  private static void signal(Process proc, String signal) {
    try {
      Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(proc.pid()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      k.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }


  // ------------------------------------------------------------------ network

  /** Cuts or heals the directed link from → to. */
  public void setLink(Peer from, Peer to, boolean connected) {
    LinkProxy l = links.get(linkKey(from.index, to.index));
    if (l == null) {
      throw new IllegalStateException("network faults need the cluster to run with proxies");
    }
    if (connected) {
      l.heal();
    } else {
      l.cut();
    }
  }

  /** Cuts both directions between every pair of peers not in a common component. */
  public void partition(Collection<? extends Collection<Peer>> components) {
    for (Peer a : peers) {
      for (Peer b : peers) {
        if (a == b) {
          continue;
        }
        boolean together = components.stream().anyMatch(c -> c.contains(a) && c.contains(b));
        setLink(a, b, together);
      }
    }
    log.accept("partition " + components);
  }

  private Path clockFile(Peer p) {
    return workDir.resolve("clock").resolve(p.id + ".faketime");
  }

  /**
   * Sets a peer's wall clock to real time plus {@code offsetSeconds} (negative: behind); it takes
   * effect within a second, also in a running peer. Only for clusters with {@link
   * Options#clockFaults}.
   */
  public void skewClock(Peer p, long offsetSeconds) throws IOException {
    Path f = clockFile(p);
    Files.createDirectories(f.getParent());
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    Files.writeString(tmp, (offsetSeconds < 0 ? "" : "+") + offsetSeconds + "s\n",
        StandardCharsets.UTF_8);
    Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    if (offsetSeconds != 0) {
      log.accept("clock of " + p.id + " set to real time " + (offsetSeconds < 0 ? "" : "+")
          + offsetSeconds + " s");
    }
  }

  /**
   * Moves leadership from {@code from} to {@code to} the way {@code raftkv admin transfer-leader}
   * does, through Ratis' admin API: a configuration change that raises {@code to}'s priority, the
   * transfer, then a configuration change back to equal priorities. So it also exercises
   * configuration changes under load. The requests go straight to {@code from}'s Raft port (the
   * configured addresses name peers by host names only the peers resolve).
   */
  public void transferLeader(Peer from, Peer to, long timeoutMs) throws IOException {
    transferLeader(0, from, to, timeoutMs);
  }

  /**
   * {@link #transferLeader(Peer, Peer, long)} in Raft group {@code group}. With several groups the
   * configuration change back restores the group's own priorities (its preferred peer, the one at
   * position group mod N of the peers file, at 1), and {@code to} is raised above them (2).
   */
  public void transferLeader(int group, Peer from, Peer to, long timeoutMs) throws IOException {
    org.apache.ratis.protocol.RaftGroupId gid = RaftKvNode.groupId(group);
    List<RaftPeer> direct = new ArrayList<>();
    for (Peer p : peers) {
      direct.add(RaftPeer.newBuilder().setId(p.id).setAddress("127.0.0.1:" + p.raftPort).build());
    }
    RaftProperties props = new RaftProperties();
    org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(props,
        org.apache.ratis.util.TimeDuration.valueOf(timeoutMs, TimeUnit.MILLISECONDS));
    try (RaftClient c = RaftClient.newBuilder()
        .setProperties(props)
        .setRaftGroup(RaftGroup.valueOf(gid, direct))
        .setLeaderId(RaftPeerId.valueOf(from.id))
        .setRetryPolicy(RetryPolicies.noRetry())
        .build()) {
      ok(c.admin().setConfiguration(configuration(group, to)), "raise the priority of " + to.id);
      try {
        ok(c.admin().transferLeadership(RaftPeerId.valueOf(to.id), timeoutMs),
            "transfer leadership to " + to.id);
      } finally {
        try (RaftClient c2 = RaftClient.newBuilder()
            .setProperties(props)
            .setRaftGroup(RaftGroup.valueOf(gid, direct))
            .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10,
                org.apache.ratis.util.TimeDuration.valueOf(500, TimeUnit.MILLISECONDS)))
            .setLeaderId(RaftPeerId.valueOf(to.id))
            .build()) {
          ok(c2.admin().setConfiguration(configuration(group, null)), "reset priorities");
        }
      }
    }
    log.accept("leadership" + (options.groups > 1 ? " of group " + group : "") + " moved from " + from.id
        + " to " + to.id);
  }

  /**
   * Group {@code group}'s configuration as the peers file and the product give it (with several
   * groups, priority 1 for the peer at position group mod N, as RaftKvNode.group does), with
   * {@code raised} above every other peer.
   */
  private List<RaftPeer> configuration(int group, Peer raised) {
    List<RaftPeer> out = new ArrayList<>();
    int preferred = options.groups > 1 ? group % peers.size() : -1;
    for (Peer p : peers) {
      int priority = p == raised ? (options.groups > 1 ? 2 : 1) : p.index - 1 == preferred ? 1 : 0;
      out.add(RaftPeer.newBuilder().setId(p.id)
          .setAddress((options.proxies ? p.id : "127.0.0.1") + ":" + p.raftPort)
          .setPriority(priority).build());
    }
    return out;
  }

  private static void ok(RaftClientReply reply, String what) throws IOException {
    if (!reply.isSuccess()) {
      throw new IOException(what + " failed: " + reply.getException());
    }
  }

  /** Cuts every link of one peer. */
  public void isolate(Peer p) {
    List<Peer> rest = new ArrayList<>(peers);
    rest.remove(p);
    partition(List.of(List.of(p), rest));
  }

  /** Heals every link and removes added latency. */
  public void heal() {
    for (LinkProxy l : links.values()) {
      l.heal();
      l.setDelayMs(0);
    }
    log.accept("healed network");
  }

  /** Adds latency to every link from or to {@code p}. */
  public void slow(Peer p, int delayMs) {
    for (Peer q : peers) {
      if (q != p) {
        if (!options.proxies) {
          throw new IllegalStateException("network faults need the cluster to run with proxies");
        }
        links.get(linkKey(p.index, q.index)).setDelayMs(delayMs);
        links.get(linkKey(q.index, p.index)).setDelayMs(delayMs);
      }
    }
    log.accept("slowed links of " + p.id + " by " + delayMs + " ms");
  }

  // ------------------------------------------------------------------ observation

  /** Opens a RESP connection to a peer. */
  public RespClient client(Peer p, int readTimeoutMs) throws IOException {
    return new RespClient("127.0.0.1", p.redisPort, 1000, readTimeoutMs);
  }

  /** The {@code raft} section of INFO, as a map; empty when the peer does not answer. */
  public Map<String, String> raftInfo(Peer p) {
    Map<String, String> m = new HashMap<>();
    if (!p.isUp()) {
      return m;
    }
    try (RespClient c = client(p, 2000)) {
      Object r = c.call("INFO", "raft");
      if (r instanceof String s) {
        for (String line : s.split("\r?\n")) {
          int i = line.indexOf(':');
          if (i > 0 && !line.startsWith("#")) {
            m.put(line.substring(0, i).trim(), line.substring(i + 1).trim());
          }
        }
      }
    } catch (IOException e) {
      // not answering
    }
    return m;
  }

  /** The peer that says it is leader (of group 0), with the highest term if several do. */
  public Optional<Peer> leader() {
    return leader(0);
  }

  /** Raft groups per peer (raftkv.cluster.groups). */
  public int groups() {
    return options.groups;
  }

  /** One group as a peer's INFO raft shows it. */
  public record GroupView(String role, String leader, long term, long commit, long applied) {}

  /**
   * Group {@code group} in a peer's INFO raft: group 0 from the usual lines, group i > 0 from
   * {@code raft_groupI:role=...,leader=...,term=...,commit=...,applied=...}; null when absent.
   */
  public static GroupView groupView(Map<String, String> info, int group) {
    if (group == 0) {
      return info.get("raft_role") == null ? null : new GroupView(info.get("raft_role"),
          info.getOrDefault("raft_leader_id", ""), parseLong(info.get("raft_term")),
          parseLong(info.get("raft_commit_index")), parseLong(info.get("raft_applied_index")));
    }
    String line = info.get("raft_group" + group);
    if (line == null) {
      return null;
    }
    Map<String, String> f = new HashMap<>();
    for (String kv : line.split(",")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        f.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return new GroupView(f.getOrDefault("role", "unknown"), f.getOrDefault("leader", ""),
        parseLong(f.get("term")), parseLong(f.get("commit")), parseLong(f.get("applied")));
  }

  /** The peer that says it leads group {@code group}, with the highest term if several do. */
  public Optional<Peer> leader(int group) {
    return Optional.ofNullable(leaders().get(group));
  }

  /**
   * Every group's leader (index to peer; a group with no leader known is absent), from one round
   * of INFO raft: per group the peer that says it leads it, with the highest term if several do.
   */
  public Map<Integer, Peer> leaders() {
    Map<Integer, Peer> best = new HashMap<>();
    Map<Integer, Long> bestTerm = new HashMap<>();
    for (Peer p : peers) {
      Map<String, String> info = raftInfo(p);
      for (int g = 0; g < options.groups; g++) {
        GroupView v = groupView(info, g);
        if (v != null && "leader".equalsIgnoreCase(v.role()) && v.term() > bestTerm.getOrDefault(g, -1L)) {
          best.put(g, p);
          bestTerm.put(g, v.term());
        }
      }
    }
    return best;
  }

  private static long parseLong(String s) {
    try {
      return s == null ? -1 : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Waits until some peer is leader. */
  public Peer awaitLeader(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < deadline) {
      Optional<Peer> l = leader();
      if (l.isPresent()) {
        return l.get();
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no leader within " + timeoutMs + " ms");
  }

  /**
   * Waits until every running peer answers a write and a read through itself: the cluster is
   * whole again.
   */
  public void awaitHealthy(long timeoutMs) throws InterruptedException {
    if (options.groups > 1) {
      awaitHealthyGroups(timeoutMs);
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    String lastProblem = "";
    for (Peer p : peers) {
      if (!p.isUp()) {
        continue;
      }
      while (true) {
        String step = "connect";
        try (RespClient c = client(p, 15_000)) {
          step = "SET";
          long t0 = System.nanoTime();
          Object w = c.call("SET", "verify:health:" + p.id, Long.toString(System.nanoTime()));
          step = "GET";
          Object r = c.call("GET", "verify:health:" + p.id);
          if ("OK".equals(w) && r instanceof String) {
            break;
          }
          lastProblem = p.id + ": SET -> " + w + ", GET -> " + r + String.format(" (%d ms)",
              (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
          lastProblem = p.id + ": " + step + " -> " + e;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cluster not healthy within " + timeoutMs + " ms: "
              + lastProblem);
        }
        Thread.sleep(250);
      }
    }
  }

  /** A key of group {@code group}'s slots (raftkv.cluster.groups = K: SlotTable.evenly(K)). */
  public String keyOfGroup(String prefix, int group) {
    dev.raftkv.cluster.SlotTable table = dev.raftkv.cluster.SlotTable.evenly(options.groups);
    for (int i = 0; ; i++) {
      String key = prefix + i;
      if (table.group(dev.raftkv.cluster.Slots.slot(key.getBytes(StandardCharsets.UTF_8))) == group) {
        return key;
      }
    }
  }

  /**
   * Several groups (cluster mode): every group takes a write (sent to each running peer and
   * following MOVED to the group's leader) and every running peer answers a READONLY read of a
   * key of every group itself.
   */
  private void awaitHealthyGroups(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    String lastProblem = "";
    for (Peer p : peers) {
      if (!p.isUp()) {
        continue;
      }
      for (int g = 0; g < options.groups; g++) {
        String key = keyOfGroup("verify:health:" + p.id + ":", g);
        while (true) {
          String step = "connect";
          try (RespClient w = client(p, 15_000); RespClient r = client(p, 15_000)) {
            step = "SET";
            Object set = w.followMoved(false).call("SET", key, Long.toString(System.nanoTime()));
            step = "READONLY";
            Object ro = r.call("READONLY");
            step = "GET";
            Object get = r.call("GET", key);
            if ("OK".equals(set) && "OK".equals(ro) && get instanceof String) {
              break;
            }
            lastProblem = p.id + ", group " + g + ": SET -> " + set + " (at " + w.address() + "), GET -> " + get;
          } catch (IOException e) {
            lastProblem = p.id + ", group " + g + ": " + step + " -> " + e;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("cluster not healthy within " + timeoutMs + " ms: "
                + lastProblem);
          }
          Thread.sleep(250);
        }
      }
    }
  }

  /**
   * Writes diagnostics for a stuck cluster: each peer's INFO raft section and a thread dump
   * ({@code jcmd PID Thread.print}) next to its log. Returns a short summary.
   */
  public String diagnose() {
    StringBuilder sb = new StringBuilder();
    for (Peer p : peers) {
      sb.append(p.id).append(p.isRunning() ? "" : " (not running)")
          .append(p.isPaused() ? " (paused)" : "").append(": ").append(raftInfo(p)).append('\n');
      Process proc = p.process;
      if (proc != null && proc.isAlive() && !p.paused) {
        Path dump = workDir.resolve("logs").resolve(p.id + ".threads-" + System.currentTimeMillis()
            + ".txt");
        try {
          Process j = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
              Long.toString(proc.pid()), "Thread.print")
              .redirectErrorStream(true).redirectOutput(dump.toFile()).start();
          if (!j.waitFor(20, TimeUnit.SECONDS)) {
            j.destroyForcibly();
          }
          sb.append("  thread dump: ").append(dump).append('\n');
        } catch (IOException e) {
          sb.append("  no thread dump: ").append(e).append('\n');
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    return sb.toString();
  }

  /** The last {@code lines} lines of a peer's log (for failure reports). */
  public String tail(Peer p, int lines) {
    try {
      List<String> all = Files.readAllLines(p.logFile, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * Peers whose process exited although the cluster did not stop it (a crash): describes each
   * with its exit code and last log lines, and forgets the dead process so it can be started again.
   */
  public synchronized List<String> collectCrashes() {
    List<String> out = new ArrayList<>();
    for (Peer p : peers) {
      Process proc = p.process;
      if (proc != null && !proc.isAlive()) {
        ALL_PROCESSES.remove(proc);
        p.process = null;
        p.paused = false;
        String msg = p.id + " exited on its own with code " + proc.exitValue() + "; log tail:\n"
            + tail(p, 30);
        out.add(msg);
        log.accept("CRASH: " + msg);
      }
    }
    return out;
  }

  /** Stops everything: resumes paused peers, kills every process, closes every proxy. */
  @Override
  public void close() {
    for (Peer p : peers) {
      Process proc = p.process;
      if (proc != null) {
        if (p.paused) {
          signal(proc, "CONT");
        }
        proc.destroyForcibly();
        try {
          proc.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ALL_PROCESSES.remove(proc);
        p.process = null;
      }
    }
    for (LinkProxy l : links.values()) {
      l.close();
    }
    for (Peer p : peers) {
      if (p.powerfs != null) {
        try {
          new ProcessBuilder("fusermount3", "-u", "-z", p.dataDir.toString()).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
          log.accept("unmounting " + p.dataDir + ": " + e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        p.powerfs.destroyForcibly();
        ALL_PROCESSES.remove(p.powerfs);
        p.powerfs = null;
      }
    }
  }
}
