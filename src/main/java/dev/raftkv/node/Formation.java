package dev.raftkv.node;

import dev.raftkv.config.Peer;
import dev.raftkv.config.PeersFile;
import dev.raftkv.raft.PeerReport;
import dev.raftkv.raft.StorageCopy;
import dev.raftkv.util.Dirs;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the Raft group of a peer whose Raft storage is empty (a first start, or a lost disk),
 * without ever letting an empty peer count as if it remembered what it voted and acknowledged.
 *
 * <p>The peer's Raft server runs with no group while this decides, so the others see it as
 * "reachable and empty" (Ratis answers a group mismatch) and it can neither vote nor campaign.
 * Every few hundred milliseconds it asks every other peer (of the peers file and of the
 * configuration they report) for a {@link PeerReport}, then:
 * <ol>
 *   <li><b>New cluster</b>: when no peer has a log and every peer of the peers file answers, it
 *       formats the group with the peers file's configuration (what a fresh checkout's
 *       walkthrough does). A peer that answers with an empty log and a configuration already
 *       made that decision: it joins it. {@code --force-new-cluster} skips the check.</li>
 *   <li><b>Rejoin through the leader</b>: when a ready leader of the existing cluster answers, it
 *       first asks it to drop this peer's old membership (so nothing counts this peer's lost
 *       acknowledgements or votes any more, and the leader forgets the match index it remembered
 *       for it, which is what stalled a wiped follower in Ratis 3.3.0), then starts the group
 *       with an empty configuration and asks to be added back as a voter. Ratis stages a new
 *       voter: it sends the snapshot or the log until the peer has caught up, and only then
 *       commits the configuration that counts it. A marker file ({@value #MARKER}) survives a
 *       crash in between.</li>
 *   <li><b>Seed from the survivor</b>: when no leader can be elected because too few voters have
 *       a log, and every voter of the configuration answers, the survivors hold everything that
 *       survived anywhere; this peer copies the Raft storage of the most up-to-date one (Raft's
 *       order: last entry's term, then index), refuses to vote again in any term a reachable peer
 *       has reached, and starts from that copy, so the survivor can be elected.</li>
 *   <li>Otherwise it waits and says why ({@link #status()}, INFO raft, CLUSTERDOWN replies): a
 *       voter that does not answer may hold acknowledged writes the others lack.</li>
 * </ol>
 * Why this is safe is in docs/design.md, "Empty peers".
 */
final class Formation implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Formation.class);
  static final String MARKER = "raft-rejoin";
  /** How long one peer's answer to a probe (or a seed's storage request) may take. */
  private static final int PROBE_TIMEOUT_SECONDS = 2;

  private final String id;
  private final RaftServer server;
  private final PeersFile peers;
  private final RaftProperties props;
  private final Parameters params;
  private final Path raftDir;
  private final Path marker;
  private final boolean forceNew;
  private final Consumer<String> onStatus;
  private final CompletableFuture<Void> formed = new CompletableFuture<>();
  private final Thread thread;
  /** Runs the probes of one round side by side. */
  private final java.util.concurrent.ExecutorService probing = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "formation-probe");
    t.setDaemon(true);
    return t;
  });
  private volatile String status = "asking the other peers whether a cluster exists";
  private volatile String baseStatus = status;
  private volatile boolean closed;
  private long lastLogged;
  /** Where a rejoin's time went, logged when it ends (phase: milliseconds). */
  private final Map<String, Long> timeline = new LinkedHashMap<>();
  private long lastMark = System.nanoTime();
  private String lastLoggedStatus = "";

  /** What one other peer answered. */
  record Probe(String id, String address, PeerReport report, String error) {
    static final String STARTING = "starting";

    boolean blank() {
      return report == null && error == null;
    }

    /**
     * Its group exists but does not serve yet: a peer being caught up (rejoining, or added with
     * --join). It answers, and holds nothing a majority counted.
     */
    boolean starting() {
      return STARTING.equals(error);
    }

    boolean reachable() {
      return error == null || starting();
    }

    boolean hasLog() {
      return report != null && !report.emptyLog();
    }
  }

  Formation(String id, RaftServer server, PeersFile peers, RaftGroup initialGroup, RaftProperties props,
      Parameters params, Path dataDir, boolean forceNew, Consumer<String> onStatus) {
    this.id = id;
    this.initialGroup = initialGroup;
    this.server = server;
    this.peers = peers;
    this.props = props;
    this.params = params;
    this.raftDir = dataDir.resolve("raft");
    this.marker = dataDir.resolve(MARKER);
    this.forceNew = forceNew;
    this.onStatus = onStatus;
    onStatus.accept(status);
    this.thread = new Thread(this::run, id + "-formation");
    thread.setDaemon(true);
    thread.start();
  }

  /** The group directory Ratis keeps for raft-kv's group under {@code raftDir}. */
  static Path groupDir(Path raftDir) {
    return raftDir.resolve(RaftKvNode.GROUP_ID.getUuid().toString());
  }

  /**
   * Whether this peer has no usable Raft storage: no term file, or the marker of a rejoin that
   * did not finish (its log is then not trusted either). Such a peer starts through Formation.
   */
  static boolean emptyStorage(Path dataDir) {
    Path meta = groupDir(dataDir.resolve("raft")).resolve("current").resolve("raft-meta");
    return !Files.isRegularFile(meta) || Files.exists(dataDir.resolve(MARKER));
  }

  private volatile boolean newCluster;
  /** The group a new cluster starts with: the peers file's members (with their priorities). */
  private final RaftGroup initialGroup;

  CompletableFuture<Void> formed() {
    return formed;
  }

  /**
   * Once {@link #formed()}: whether this peer formed a new cluster (every peer was empty, or
   * --force-new-cluster) rather than rejoining an existing one or being seeded from a peer's log.
   */
  boolean formedNewCluster() {
    return newCluster;
  }

  String status() {
    return status;
  }

  /** Adds the time since the previous mark to {@code phase}. */
  private void mark(String phase) {
    long now = System.nanoTime();
    timeline.merge(phase, TimeUnit.NANOSECONDS.toMillis(now - lastMark), Long::sum);
    lastMark = now;
  }

  private String timeline() {
    long total = timeline.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder b = new StringBuilder().append(total).append(" ms since the peer started (");
    timeline.forEach((phase, ms) -> b.append(phase).append(' ').append(ms).append(" ms, "));
    b.setLength(b.length() - 2);
    return b.append(')').toString();
  }

  private void say(String s) {
    baseStatus = s;
    report(s);
  }

  private void report(String s) {
    status = s;
    onStatus.accept(s);
    long now = System.nanoTime();
    if (!s.equals(lastLoggedStatus) || now - lastLogged > TimeUnit.SECONDS.toNanos(10)) {
      LOG.info("{}: empty Raft storage: {}", id, s);
      lastLogged = now;
      lastLoggedStatus = s;
    }
  }

  private void run() {
    try {
      steps();
    } finally {
      probing.shutdown();
    }
  }

  private void steps() {
    long start = System.nanoTime();
    while (!closed) {
      try {
        if (step()) {
          formed.complete(null);
          return;
        }
      } catch (GroupStartFailed e) {
        LOG.error("{}: {}", id, e.getMessage(), e.getCause());
        status = e.getMessage();
        formed.completeExceptionally(e);
        return;
      } catch (IOException | RuntimeException e) {
        if (closed) {
          return;
        }
        report(baseStatus + " (last attempt failed: " + e.getMessage() + ")");
      }
      long pause = System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10) ? 200 : 500;
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One look at the others and, when it can, the start of the group. True once it runs. */
  private boolean step() throws IOException {
    RaftGroup fromFile = initialGroup;
    if (forceNew && !Files.exists(marker)) {
      LOG.warn("{}: --force-new-cluster: forming a NEW cluster from the peers file {} ({}) without"
          + " checking the other peers; any data they hold is not part of it", id, peers.path(),
          fromFile.getPeers().stream().map(p -> p.getId().toString()).toList());
      addGroup(fromFile);
      newCluster = true;
      return true;
    }
    mark("waiting");
    Map<String, Probe> probes = probeAll();
    mark("probing");
    boolean rejoining = Files.exists(marker);
    List<Probe> withLog = probes.values().stream().filter(Probe::hasLog).toList();
    if (withLog.isEmpty() && !rejoining) {
      // a peer already formatted with a configuration and nothing in it: a new cluster is being formed
      Optional<Probe> forming = probes.values().stream()
          .filter(p -> p.report() != null && !p.report().voters().isEmpty()).findFirst();
      List<String> unreachable = probes.values().stream().filter(p -> !p.blank() && p.report() == null)
          .map(Probe::id).toList();
      if (forming.isPresent() || unreachable.isEmpty()) {
        LOG.info("{}: no peer has a Raft log and {}: forming a new cluster from {}", id,
            forming.map(p -> p.id() + " has formed it").orElse("every peer of the peers file answered"),
            peers.path());
        addGroup(fromFile);
        newCluster = true;
        return true;
      }
      say("waiting to form a new cluster: a new cluster starts when every peer of " + peers.path()
          + " answers with empty storage, and " + String.join(",", unreachable)
          + (unreachable.size() == 1 ? " does" : " do") + " not answer (it may hold this cluster's data; start it, or start every peer with"
          + " --force-new-cluster to form a new, empty cluster)");
      return false;
    }
    Optional<Probe> leader = probes.values().stream()
        .filter(p -> p.report() != null && p.report().readyLeader()).findFirst();
    if (leader.isPresent()) {
      return rejoin(leader.get());
    }
    if (groupRunning()) {
      // caught up, a voter again, and elected before the rejoin saw it finish: no other peer
      // reports a ready leader, so this peer asks its own group
      Probe self = selfIfReadyLeader();
      if (self != null) {
        return rejoin(self);
      }
      say("rejoining: waiting for a leader to finish adding this peer back");
      return false;
    }
    if (withLog.isEmpty()) {
      say("rejoining: waiting for a leader (no peer with a Raft log answers)");
      return false;
    }
    PeerReport conf = withLog.stream().map(Probe::report)
        .max(Comparator.comparingLong(PeerReport::confIndex)).orElseThrow();
    // the voter sets an election needs a majority of: the configuration, or both halves of a
    // configuration change in progress
    List<java.util.Set<String>> configs = conf.transitional()
        ? List.of(conf.oldVoters().keySet(), conf.voters().keySet()) : List.of(conf.voters().keySet());
    java.util.Set<String> allVoters = new java.util.TreeSet<>();
    configs.forEach(allVoters::addAll);
    if (!allVoters.contains(id)) {
      say(rejoining ? "rejoining: waiting for a leader to add this peer back (voters " + allVoters + ")"
          : "this peer is not a voter of the cluster's configuration (voters " + allVoters
              + ", listeners " + conf.listeners().keySet() + "): waiting for a leader; a new peer joins"
              + " with --join and raftkv admin add-peer");
      return false;
    }
    List<String> votersWithLog = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (String v : allVoters) {
      if (v.equals(id)) {
        continue;
      }
      Probe p = probes.get(v);
      if (p == null || !p.reachable()) {
        unreachable.add(v);
      } else if (p.hasLog()) {
        votersWithLog.add(v);
      }
    }
    // can the voters with a log elect a leader without this peer? Then wait for that.
    boolean electable = true;
    boolean selfNeeded = false;
    for (java.util.Set<String> c : configs) {
      long holders = c.stream().filter(votersWithLog::contains).count();
      if (holders < c.size() / 2 + 1) {
        electable = false;
        selfNeeded |= c.contains(id);
      }
    }
    if (electable) {
      say("waiting for a leader: voters " + votersWithLog + " have a Raft log and can elect one"
          + (unreachable.isEmpty() ? "" : "; " + unreachable + " do not answer"));
      return false;
    }
    if (!unreachable.isEmpty()) {
      say("waiting: only " + votersWithLog + " of the voters " + allVoters + " have a Raft log,"
          + " too few to elect a leader, and " + unreachable + " do not answer: they may hold acknowledged"
          + " writes the others lack, so this empty peer may not help elect anyone until they answer");
      return false;
    }
    if (!selfNeeded || votersWithLog.isEmpty()) {
      say("waiting for a leader: too few voters with a Raft log (" + votersWithLog + ") to elect one, and"
          + " another empty voter is the one missing");
      return false;
    }
    Probe source = votersWithLog.stream().map(probes::get)
        .max((a, b) -> a.report().compareLog(b.report())).orElseThrow();
    long term = probes.values().stream().filter(p -> p.report() != null)
        .mapToLong(p -> p.report().term()).max().orElse(0);
    seed(source, term, allVoters, probes);
    return true;
  }

  private RaftClient client(Map<String, String> members) {
    return client(members, PROBE_TIMEOUT_SECONDS, null);
  }

  private RaftClient client(Map<String, String> members, int timeoutSeconds, String leader) {
    RaftProperties p = new RaftProperties(props);
    org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(timeoutSeconds, TimeUnit.SECONDS));
    return RaftClient.newBuilder().setProperties(p).setParameters(params)
        .setRaftGroup(RaftGroup.valueOf(RaftKvNode.GROUP_ID, raftPeers(members)))
        .setLeaderId(leader == null ? null : RaftPeerId.valueOf(leader))
        .setClientId(ClientId.randomId()).setRetryPolicy(RetryPolicies.noRetry()).build();
  }

  /**
   * Every other peer of the peers file, and of the configurations they report, asked once, all
   * at the same time (a peer that does not answer costs one timeout, not one per peer). A ready
   * leader's answer ends the round at once: it alone decides the step (rejoin through it), so a
   * paused or dead peer's timeout is not waited for; the map then holds the answers so far.
   */
  private Map<String, Probe> probeAll() throws IOException {
    Map<String, String> targets = new LinkedHashMap<>();
    for (Peer p : peers.peers()) {
      if (!p.id().equals(id)) {
        targets.put(p.id(), p.raft().toString());
      }
    }
    Map<String, Probe> out = new LinkedHashMap<>();
    for (int round = 0; round < 2 && !targets.isEmpty(); round++) {
      try (RaftClient c = client(targets)) {
        Map<String, CompletableFuture<Probe>> asked = new LinkedHashMap<>();
        targets.forEach((peer, address) -> {
          if (!out.containsKey(peer)) {
            asked.put(peer, probe(c, peer, address));
          }
        });
        CompletableFuture<Void> leaderAnswered = new CompletableFuture<>();
        asked.values().forEach(answer -> answer.thenAccept(p -> {
          if (p.report() != null && p.report().readyLeader()) {
            leaderAnswered.complete(null);
          }
        }));
        CompletableFuture.anyOf(leaderAnswered,
            CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new))).join();
        asked.forEach((peer, answer) -> {
          if (answer.isDone()) {
            out.put(peer, answer.join());
          }
        });
        if (leaderAnswered.isDone()) {
          return out;
        }
      }
      Map<String, String> more = new LinkedHashMap<>();
      for (Probe p : out.values()) {
        if (p.report() != null) {
          p.report().voters().forEach(more::putIfAbsent);
          p.report().listeners().forEach(more::putIfAbsent);
        }
      }
      more.keySet().removeAll(out.keySet());
      more.remove(id);
      if (more.isEmpty()) {
        break;
      }
      targets.putAll(more);
    }
    return out;
  }

  /**
   * One peer asked on a thread of its own (Ratis' blocking call: its async one goes through the
   * ordered-request path, which logs a stack trace at ERROR for every peer without a group).
   */
  private CompletableFuture<Probe> probe(RaftClient c, String peer, String address) {
    return CompletableFuture.supplyAsync(() -> probeNow(c, peer, address), probing);
  }

  private static Probe probeNow(RaftClient c, String peer, String address) {
    try {
      RaftClientReply r = c.io().sendStaleRead(PeerReport.request(), -1, RaftPeerId.valueOf(peer));
      if (!r.isSuccess()) {
        return failure(peer, address, r.getException());
      }
      return new Probe(peer, address, PeerReport.parse(r.getMessage().getContent().toByteArray()), null);
    } catch (IOException | RuntimeException e) {
      return failure(peer, address, e);
    }
  }

  private static Probe failure(String peer, String address, Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof GroupMismatchException) {
        return new Probe(peer, address, null, null); // up, with no group: empty storage
      }
      if (t instanceof org.apache.ratis.protocol.exceptions.ServerNotReadyException) {
        return new Probe(peer, address, null, Probe.STARTING);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return new Probe(peer, address, null, e == null ? "no answer" : e.getClass().getSimpleName());
  }

  /** The Raft group could not start (its state machine or storage refused): retrying cannot help. */
  static final class GroupStartFailed extends IOException {
    GroupStartFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private void addGroup(RaftGroup group) throws IOException {
    RaftClientReply r;
    try {
      r = server.groupManagement(GroupManagementRequest.newAdd(ClientId.randomId(), server.getId(), 1, group, false));
    } catch (IOException e) {
      throw new GroupStartFailed("cannot start the Raft group: " + e.getMessage(), e);
    }
    if (!r.isSuccess()) {
      throw new GroupStartFailed("cannot start the Raft group: " + r.getException(), r.getException());
    }
  }

  /**
   * Whether this peer's group runs. A group that closed itself is removed, so that the rejoin
   * starts it again: Ratis closes a division that finds itself outside the configuration when it
   * runs for election, which a peer being caught up (in the leader's staging, not yet a member)
   * does when the leader stops answering for an election timeout (a leader paused or killed right
   * after the wipe). It then stayed closed, refused the leader's snapshot, and the peer never
   * rejoined.
   */
  private boolean groupRunning() {
    RaftServer.Division d;
    try {
      d = server.getDivision(RaftKvNode.GROUP_ID);
    } catch (IOException e) {
      return false;
    }
    if (d.getInfo().isAlive()) {
      return true;
    }
    LOG.warn("{}: its Raft group closed itself while rejoining ({}): starting the rejoin again", id,
        d.getInfo().getLifeCycleState());
    try {
      server.groupManagement(GroupManagementRequest.newRemove(ClientId.randomId(), server.getId(), 2,
          RaftKvNode.GROUP_ID, true, false));
    } catch (IOException e) {
      LOG.warn("{}: removing its closed Raft group failed: {}", id, e.toString());
    }
    return false;
  }

  /** This peer's Raft address, from its line of the peers file (RaftKvNode checked it is there). */
  /** This peer's own report when its running group leads and is ready, else null. */
  private Probe selfIfReadyLeader() throws IOException {
    RaftServer.Division d = server.getDivision(RaftKvNode.GROUP_ID);
    if (!d.getInfo().isLeader() || !d.getInfo().isLeaderReady()) {
      return null;
    }
    try (RaftClient c = client(Map.of(id, ownAddress()))) {
      Probe self = probeNow(c, id, ownAddress());
      return self.report() != null && self.report().readyLeader() ? self : null;
    }
  }

  private String ownAddress() {
    return peers.find(id).orElseThrow().raft().toString();
  }

  private static List<RaftPeer> raftPeers(Map<String, String> members) {
    return members.entrySet().stream()
        .map(e -> RaftPeer.newBuilder().setId(e.getKey()).setAddress(e.getValue()).build()).toList();
  }

  /**
   * Drops this peer's old membership through the leader, then has itself added back as a new
   * member. True once the configuration with it is committed.
   */
  private boolean rejoin(Probe leader) throws IOException {
    PeerReport conf = leader.report();
    boolean wasListener = conf.listeners().containsKey(id) && !conf.voters().containsKey(id);
    String self = conf.voters().getOrDefault(id, conf.listeners().get(id));
    boolean started = groupRunning();
    if (started && (conf.voters().containsKey(id) || conf.listeners().containsKey(id))) {
      if (conf.transitional()) {
        say("rejoining: waiting for the configuration change that adds this peer to commit");
        return false;
      }
      finishRejoin(leader);
      return true;
    }
    if (self == null) {
      self = ownAddress();
      if (!Files.exists(marker) && !conf.rejoining().contains(id)) {
        say("this peer is not a member of the cluster (voters " + conf.voters().keySet() + ", listeners "
            + conf.listeners().keySet() + "): a new peer joins with --join and raftkv admin add-peer");
        return false;
      }
    }
    writeMarker();
    Map<String, String> members = new LinkedHashMap<>(conf.voters());
    members.putAll(conf.listeners());
    members.put(id, self);
    Map<String, String> voters = new LinkedHashMap<>(conf.voters());
    Map<String, String> listeners = new LinkedHashMap<>(conf.listeners());
    try (RaftClient c = client(members, 10, leader.id())) {
      if (!conf.rejoining().contains(id)) {
        // recorded in the replicated state first: should this disk be lost too before the peer is
        // a member again, the next empty start still knows it is rejoining, not removed
        propose(c, "add");
        mark("recording the rejoin");
      }
      if (!started && (voters.containsKey(id) || listeners.containsKey(id))) {
        say("rejoining: asking leader " + leader.id() + " to drop this peer's old membership (its storage"
            + " was lost, so its earlier votes and acknowledgements must not count)");
        Map<String, String> nv = new LinkedHashMap<>(voters);
        nv.remove(id);
        Map<String, String> nl = new LinkedHashMap<>(listeners);
        nl.remove(id);
        setConfiguration(c, leader.id(), voters, listeners, nv, nl);
        voters = nv;
        listeners = nl;
        mark("dropping the old membership");
      }
      boolean staging = !started && stagingInProgress(c, voters, listeners);
      mark("checking for a staging");
      if (staging) {
        // Ratis is still catching up an earlier incarnation of this peer (a disk lost again while
        // it rejoined), or another peer. The leader's record of that peer keeps the match index the
        // lost disk had acknowledged, and Ratis never sends below it: joining under that record
        // would stall until a purge forced a snapshot. The staging fails on its own once the old
        // incarnation has not answered for raft.server.staging.timeout; that drops the record.
        say("rejoining: waiting for leader " + leader.id() + " to finish or give up an earlier attempt to"
            + " catch a peer up (Ratis staging), so this peer is caught up from a fresh start");
        return false;
      }
    }
    if (!started) {
      Dirs.deleteRecursively(groupDir(raftDir)); // an unfinished rejoin's log is not trusted
      addGroup(RaftGroup.valueOf(RaftKvNode.GROUP_ID, List.of())); // empty configuration: no votes
      mark("starting the group");
    }
    say("rejoining: leader " + leader.id() + " is sending this peer its snapshot and log; it counts again"
        + " once Ratis has caught it up and the configuration with it is committed");
    Map<String, String> nv = new LinkedHashMap<>(voters);
    Map<String, String> nl = new LinkedHashMap<>(listeners);
    (wasListener ? nl : nv).put(id, self);
    try (RaftClient c = client(members, 120, leader.id())) {
      setConfiguration(c, leader.id(), voters, listeners, nv, nl);
    }
    mark("catch-up and the configuration with this peer");
    finishRejoin(leader);
    return true;
  }

  private void propose(RaftClient c, String op) throws IOException {
    byte[] batch = dev.raftkv.raft.CommandBatch.encode(System.currentTimeMillis(),
        dev.raftkv.command.Commands.DEFAULT_MAX_VALUE,
        java.util.Collections.singletonList(dev.raftkv.command.RejoinCommands.command(op, id)));
    RaftClientReply r = c.io().send(org.apache.ratis.protocol.Message.valueOf(
        org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(batch)));
    if (!r.isSuccess()) {
      throw new IOException("recording the rejoin (" + op + ") failed: " + r.getException());
    }
  }

  private void finishRejoin(Probe leader) throws IOException {
    try (RaftClient c = client(Map.of(leader.id(), leader.address()), 10, leader.id())) {
      propose(c, "done");
    } catch (IOException | RuntimeException e) {
      LOG.info("{}: rejoined, but clearing the rejoin record failed ({}); it is harmless", id, e.getMessage());
    }
    Files.deleteIfExists(marker);
    Dirs.fsync(marker.getParent());
    mark("clearing the rejoin record");
    LOG.info("{}: rejoined through leader {} in {}", id, leader.id(), timeline());
    say("rejoined through leader " + leader.id());
  }

  private void setConfiguration(RaftClient c, String leader, Map<String, String> voters,
      Map<String, String> listeners, Map<String, String> newVoters, Map<String, String> newListeners)
      throws IOException {
    RaftClientReply r = compareAndSet(c, voters, listeners, newVoters, newListeners);
    if (!r.isSuccess()) {
      throw new IOException("configuration change refused by " + leader + ": " + r.getException());
    }
  }

  /** Whether the leader is catching a peer up for a configuration change (a no-change CAS says so). */
  private boolean stagingInProgress(RaftClient c, Map<String, String> voters, Map<String, String> listeners)
      throws IOException {
    RaftClientReply r;
    try {
      r = compareAndSet(c, voters, listeners, voters, listeners);
    } catch (IOException e) {
      if (inProgress(e)) {
        return true;
      }
      throw e;
    }
    if (r.isSuccess()) {
      return false;
    }
    if (inProgress(r.getException())) {
      return true;
    }
    throw new IOException("configuration check refused: " + r.getException());
  }

  private static RaftClientReply compareAndSet(RaftClient c, Map<String, String> voters,
      Map<String, String> listeners, Map<String, String> newVoters, Map<String, String> newListeners)
      throws IOException {
    return c.admin().setConfiguration(
        SetConfigurationRequest.Arguments.newBuilder()
            .setServersInNewConf(raftPeers(newVoters))
            .setListenersInNewConf(raftPeers(newListeners))
            .setServersInCurrentConf(raftPeers(voters))
            .setListenersInCurrentConf(raftPeers(listeners))
            .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
            .build());
  }

  private static boolean inProgress(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException) {
        return true;
      }
    }
    return false;
  }

  private void writeMarker() throws IOException {
    if (Files.exists(marker)) {
      return;
    }
    Files.writeString(marker, id + " is rejoining: its Raft storage was empty at start\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
    Dirs.fsync(marker.getParent());
  }

  /**
   * Copies the Raft storage of {@code source} (which has the most up-to-date log of all voters,
   * and every voter answered), with its own term file: the highest term any peer reported, and a
   * vote for itself in it, so it never votes in a term it might have voted in before its storage
   * was lost. Then starts the group from the copy.
   */
  private void seed(Probe source, long term, java.util.Set<String> voters, Map<String, Probe> probes)
      throws IOException {
    say("seeding: the voters with a Raft log (" + source.id() + " is the most up-to-date, last entry "
        + source.report().lastEntry() + ") are too few to elect a leader and every voter answered:"
        + " copying " + source.id() + "'s Raft storage");
    Path tmp = raftDir.resolve("seed.tmp");
    Dirs.deleteRecursively(tmp);
    Files.createDirectories(tmp.resolve("current"));
    long bytes = 0;
    try (RaftClient c = client(Map.of(source.id(), source.address()))) {
      RaftPeerId from = RaftPeerId.valueOf(source.id());
      StorageCopy.Listing listing = StorageCopy.parseListing(call(c, from, StorageCopy.listRequest()));
      for (StorageCopy.FileEntry f : listing.files()) {
        Path dst = tmp.resolve(f.path()).normalize();
        if (!dst.startsWith(tmp)) {
          throw new IOException("bad path in the copy listing: " + f.path());
        }
        Files.createDirectories(dst.getParent());
        try (OutputStream out = Files.newOutputStream(dst)) {
          long off = 0;
          while (off < f.size()) {
            int len = (int) Math.min(StorageCopy.CHUNK, f.size() - off);
            byte[] b = call(c, from, StorageCopy.readRequest(f.path(), off, len));
            if (b.length == 0) {
              throw new IOException(f.path() + " ended early on " + source.id());
            }
            out.write(b);
            off += b.length;
          }
        }
        bytes += f.size();
      }
      TermIndex after = StorageCopy.parseListing(call(c, from, StorageCopy.listRequest())).last();
      if (!after.equals(listing.last())) {
        throw new IOException(source.id() + "'s log moved while it was copied (" + listing.last() + " -> "
            + after + "): starting over");
      }
    }
    Properties meta = new Properties();
    meta.setProperty("term", Long.toString(term));
    meta.setProperty("votedFor", id);
    try (OutputStream out = Files.newOutputStream(tmp.resolve("current").resolve("raft-meta"))) {
      meta.store(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), "");
    }
    fsyncTree(tmp);
    Path dir = groupDir(raftDir);
    Dirs.deleteRecursively(dir);
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    Dirs.fsync(raftDir);
    LOG.warn("{}: seeded from {} ({} bytes, last entry {}, term {}): the voters with a Raft log were too few"
        + " to elect a leader, and every voter answered, so {} holds every write that survived", id, source.id(),
        bytes, source.report().lastEntry(), term, source.id());
    // Ratis takes the configuration from the copied log; the group's peers only give addresses
    Map<String, String> members = new LinkedHashMap<>();
    for (String v : voters) {
      String addr = v.equals(id) ? ownAddress()
          : probes.containsKey(v) ? probes.get(v).address() : source.report().voters().get(v);
      if (addr != null) {
        members.put(v, addr);
      }
    }
    addGroup(RaftGroup.valueOf(RaftKvNode.GROUP_ID, raftPeers(members)));
  }

  private static byte[] call(RaftClient c, RaftPeerId to, org.apache.ratis.protocol.Message m) throws IOException {
    RaftClientReply r = c.io().sendStaleRead(m, -1, to);
    if (!r.isSuccess()) {
      throw new IOException("copy from " + to + " failed: " + r.getException());
    }
    return r.getMessage().getContent().toByteArray();
  }

  private static void fsyncTree(Path root) throws IOException {
    List<Path> all;
    try (Stream<Path> walk = Files.walk(root)) {
      all = walk.toList();
    }
    for (Path p : all) {
      Dirs.fsync(p);
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    probing.shutdownNow();
    formed.completeExceptionally(new IOException(id + " closed before its Raft group started"));
  }
}
