package dev.raftkv.node;

import static dev.raftkv.command.Args.is;

import dev.raftkv.config.ConfigException;
import dev.raftkv.config.HostPort;
import dev.raftkv.config.NodeConfig;
import dev.raftkv.config.Peer;
import dev.raftkv.config.PeersFile;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.protocol.RespReply;
import dev.raftkv.raft.CommitNudgingGrpc;
import dev.raftkv.raft.KvStateMachine;
import dev.raftkv.raft.RaftGateway;
import dev.raftkv.resp.Backend;
import dev.raftkv.resp.RespServer;
import dev.raftkv.resp.ServerStats;
import dev.raftkv.store.Store;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One raft-kv peer: store, state machine, Raft server, gateway and RESP listener, started in
 * that order and closed in reverse.
 */
public final class RaftKvNode implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftKvNode.class);
  /** Every raft-kv cluster uses the same Raft group. */
  public static final RaftGroupId GROUP_ID =
      RaftGroupId.valueOf(UUID.nameUUIDFromBytes("raft-kv".getBytes(StandardCharsets.UTF_8)));

  private final String id;
  private final PeersFile peers;
  private final NodeConfig config;
  /** This peer's Raft groups, by index; group 0 is the original group (GROUP_ID). */
  private final List<KvGroup> groups;
  /** Which group serves each slot: SlotTable.evenly(raftkv.cluster.groups). */
  private final dev.raftkv.cluster.SlotTable slotTable;
  private final boolean join;
  /** Pub/Sub fan-out to this peer's subscribers: a node-wide service (docs/design.md "Pub/Sub"). */
  private final dev.raftkv.pubsub.PubSubHub pubsub;
  private final RaftServer server;
  /** Clients blocked in BLPOP and the like, woken by the keys each applied entry changes. */
  private final dev.raftkv.resp.BlockingWaiters blocking;
  private final RespServer resp;
  private final Formation formation; // null unless the Raft storage was empty at start
  private final MetricsServer metrics; // null when raftkv.metrics.port is 0
  private final dev.raftkv.acl.Acl acl;
  /** Cluster mode's view of the groups and their leaders; null when raftkv.cluster.enabled is no. */
  private final dev.raftkv.cluster.Topology topology;
  private final long startMillis = System.currentTimeMillis();
  private volatile boolean closed;
  /** Receives the requests other peers forward to this one (raft.DirectForward). */
  private dev.raftkv.raft.DirectForward.Receiver forwardReceiver;
  private boolean raftFailed;

  private RaftKvNode(String id, PeersFile peers, Path dataDir, NodeConfig config, boolean join,
      boolean forceNewCluster) throws IOException, ConfigException {
    this.id = id;
    this.peers = peers;
    this.config = config;
    this.join = join;
    Peer self = peers.find(id).orElseThrow(() -> new ConfigException(
        peers.path() + ": peer id '" + id + "' is not in the peers file (ids: "
            + peers.peers().stream().map(Peer::id).toList() + ")"
            + (join ? "; a joining peer needs its own line there too (ID RAFT_HOST:PORT REDIS_HOST:PORT)"
                : "")));
    String raftBind = config.get(NodeConfig.RAFT_BIND).isEmpty() ? self.raft().host()
        : config.get(NodeConfig.RAFT_BIND);
    String redisBind = config.get(NodeConfig.REDIS_BIND).isEmpty() ? self.redis().host()
        : config.get(NodeConfig.REDIS_BIND);
    int tlsPort = config.getInt(NodeConfig.TLS_PORT);
    String tlsBind = tlsPort == 0 ? null
        : config.get(NodeConfig.TLS_BIND).isEmpty() ? redisBind : config.get(NodeConfig.TLS_BIND);
    Security.checkProtectedMode(config, redisBind, tlsBind, raftBind);
    io.netty.handler.ssl.SslContext clientTls = Security.clientTls(config);
    org.apache.ratis.conf.Parameters raftParameters = Security.raftParameters(config);
    checkFree(raftBind, self.raft().port(), "Raft");
    checkFree(redisBind, self.redis().port(), "Redis");
    checkCommandLimit(config, raftProperties(config, dataDir.resolve("raft"), raftBind, self.raft().port()));
    if (tlsBind != null) {
      checkFree(tlsBind, tlsPort, "TLS Redis");
    }

    Files.createDirectories(dataDir);
    dev.raftkv.raft.Restore.check(id, dataDir, config.get(NodeConfig.STORE));
    int groupCount = groupCount(config);
    this.groups = new ArrayList<>(groupCount);
    try {
      for (int i = 0; i < groupCount; i++) {
        groups.add(KvGroup.open(id, i, dataDir, config));
      }
    } catch (IOException | RuntimeException e) {
      groups.forEach(KvGroup::close);
      throw e;
    }
    this.acl = new dev.raftkv.acl.Acl(config.get(NodeConfig.REQUIREPASS));
    this.pubsub = new dev.raftkv.pubsub.PubSubHub(new dev.raftkv.pubsub.PubSubHub.OutputLimit(
        config.getLong(NodeConfig.PUBSUB_OUTPUT_LIMIT), config.getLong(NodeConfig.PUBSUB_OUTPUT_SOFT_LIMIT),
        config.getLong(NodeConfig.PUBSUB_OUTPUT_SOFT_SECONDS)));
    Map<RaftGroupId, KvGroup> byId = new java.util.HashMap<>();
    for (KvGroup g : groups) {
      byId.put(g.groupId, g);
      g.stateMachine.onLogFailure(this::stopRaftAfterLogFailure);
      g.stateMachine.setPublishListener(g.publishListener(pubsub));
    }
    // ACL users are replicated through group 0's log (ACL commands have no keys)
    group0().stateMachine.setAclListener(acl::load);

    RaftProperties props = raftProperties(config, dataDir.resolve("raft"), raftBind, self.raft().port());
    RaftGroup group = group(peers);
    // Empty Raft storage (a first start, a lost disk): the server starts with no group and
    // Formation decides how the group starts (new cluster, rejoin through the leader, seed).
    boolean empty = !join && Formation.emptyStorage(dataDir);
    if (empty) {
      setAsideUntrusted(dataDir);
    } else {
      try {
        LogCheck.check(id, Formation.groupDir(dataDir.resolve("raft")).resolve("current"), props);
      } catch (IOException e) {
        groups.forEach(KvGroup::close);
        throw e;
      }
    }
    try {
      // A joining peer starts with an empty configuration, so it never starts an election; it
      // learns the real one from the leader once add-peer makes it a member. On a restart Ratis
      // uses the configuration stored in its log and this group is ignored. Ratis also recovers
      // every other group it finds in its storage directory, each with its state machine from
      // the registry.
      // followers' forwarded batches arrive on raft-kv's own stream on the Ratis client port
      java.util.concurrent.atomic.AtomicReference<RaftServer> built = new java.util.concurrent.atomic.AtomicReference<>();
      this.forwardReceiver = dev.raftkv.raft.DirectForward.register(raftParameters, built::get);
      RaftServer.Builder builder = RaftServer.newBuilder()
          .setServerId(RaftPeerId.valueOf(id))
          .setStateMachineRegistry(gid -> {
            KvGroup g = byId.get(gid);
            if (g == null) {
              throw new IllegalStateException(id + ": Raft group " + gid + " in " + dataDir.resolve("raft")
                  + " is none of the " + groupCount + " groups of " + NodeConfig.CLUSTER_GROUPS);
            }
            return g.stateMachine;
          })
          .setProperties(props)
          .setParameters(raftParameters)
          .setOption(RaftStorage.StartupOption.RECOVER);
      if (!empty) {
        builder.setGroup(join ? RaftGroup.valueOf(GROUP_ID, List.of()) : group);
      }
      this.server = builder.build();
      built.set(server);
      server.start();
      // entries already in the log are replayed, not published anew (no client is connected yet)
      pubsub.goLive(empty ? 0 : lastLogIndex(server, GROUP_ID));
      for (KvGroup g : groups) {
        if (g.index > 0) {
          g.goLive(lastLogIndex(server, g.groupId));
        }
      }
    } catch (IOException | RuntimeException e) {
      groups.forEach(KvGroup::close);
      throw new IOException("cannot start the Raft server on " + raftBind + ":" + self.raft().port()
          + ": " + e.getMessage(), e);
    }
    for (KvGroup g : groups) {
      g.startServices(server, raftGroup(g), props, raftParameters, config);
    }
    this.blocking = new dev.raftkv.resp.BlockingWaiters(id, this::wakeWrite);
    for (KvGroup g : groups) {
      g.stateMachine.setKeysListener(blocking::keysChanged);
    }
    this.slotTable = dev.raftkv.cluster.SlotTable.evenly(groupCount);
    this.topology = config.get(NodeConfig.CLUSTER_ENABLED).equals("yes")
        ? new RaftTopology(id, server, groups.stream().map(g -> g.groupId).toList(), slotTable, peers,
            config.getLong(NodeConfig.REQUEST_TIMEOUT_MS),
            RaftServerConfigKeys.Rpc.timeoutMin(props).toLong(java.util.concurrent.TimeUnit.MILLISECONDS) * 3 / 4)
        : null;
    Map<String, String> configView = InfoReport.configView(config, self.redis().port());
    try {
      this.resp = new RespServer(new InetSocketAddress(redisBind, self.redis().port()), new NodeBackend(),
          new RespServer.Limits(config.getLong(NodeConfig.MAX_ARGS),
              config.getLong(NodeConfig.PROTO_MAX_BULK_LEN),
              config.getInt(NodeConfig.MAX_PENDING_PER_CLIENT)),
          new RespServer.ClientLimits(config.getInt(NodeConfig.MAX_CLIENTS),
              config.getLong(NodeConfig.CLIENT_QUERY_BUFFER_LIMIT),
              config.getLong(NodeConfig.MAX_COMMAND_BYTES), config.getLong(NodeConfig.IDLE_TIMEOUT)),
          configView, Math.max(2, Runtime.getRuntime().availableProcessors()),
          tlsBind == null ? null : new RespServer.Tls(new InetSocketAddress(tlsBind, tlsPort), clientTls));
    } catch (IOException e) {
      closeGroups();
      throw e;
    }
    int metricsPort = config.getInt(NodeConfig.METRICS_PORT);
    try {
      this.metrics = metricsPort == 0 ? null : new MetricsServer(id,
          new InetSocketAddress(config.get(NodeConfig.METRICS_BIND), metricsPort), this, resp.stats());
    } catch (IOException e) {
      resp.close();
      closeGroups();
      throw e;
    }
    RaftGateway gateway0 = group0().gateway();
    if (empty) {
      for (KvGroup g : groups) {
        g.gateway().refuseAll("CLUSTERDOWN " + id + " has not started its Raft group yet");
      }
      this.formation = new Formation(id, server, peers, raftGroup(group0()), props,
          raftParameters, dataDir, forceNewCluster,
          why -> gateway0.refuseAll("CLUSTERDOWN " + id + " has not started its Raft group yet: " + why));
      formation.formed().whenComplete((v, e) -> {
        gateway0.refuseAll(e == null ? null
            : "CLUSTERDOWN " + id + " could not start its Raft group: " + e.getMessage());
        if (e == null && formation.formedNewCluster()) {
          startOtherGroups();
        } else if (e == null) {
          refuseOtherGroups("it lost its Raft storage and rejoined group 0 through its leader (or was"
              + " seeded from a peer's log); rejoining groups above 0 is not built yet, and starting them"
              + " afresh from the peers file could let this empty voter help elect a leader that lacks"
              + " acknowledged writes: those groups run on the other peers");
        }
      });
    } else {
      this.formation = null;
      if (forceNewCluster) {
        LOG.warn("{}: --force-new-cluster ignored: this peer has Raft storage in {}", id, dataDir.resolve("raft"));
      }
      startOtherGroups(); // a --join peer: refuses groups other than 0 with a clear error
    }
    for (KvGroup g : groups) {
      // group 0 watches the whole Raft dir as before; the others their own group's directory
      g.startWatchdog(server, raftGroup(g), props, raftParameters, config, g.index == 0
          ? dataDir.resolve("raft") : dataDir.resolve("raft").resolve(g.groupId.getUuid().toString()));
    }
    LOG.info("{}: serving Redis clients on {}:{}{}, Raft on {}:{}{}, store {}, data dir {}, Java {}", id,
        redisBind, self.redis().port(), tlsBind == null ? "" : " and with TLS on " + tlsBind + ":" + tlsPort,
        raftBind, self.raft().port(), config.get(NodeConfig.TLS_RAFT).equals("yes") ? " (TLS)" : "",
        group0().store.kind(), dataDir, Runtime.version());
  }

  /** Starts a peer; fails with a message naming the problem. */
  public static RaftKvNode start(String id, PeersFile peers, Path dataDir, NodeConfig config)
      throws IOException, ConfigException {
    return new RaftKvNode(id, peers, dataDir, config, false, false);
  }

  /**
   * Starts a peer; with {@code join} its Raft server starts with an empty configuration, to be
   * added to a running cluster by {@code raftkv admin add-peer}.
   */
  public static RaftKvNode start(String id, PeersFile peers, Path dataDir, NodeConfig config,
      boolean join) throws IOException, ConfigException {
    return new RaftKvNode(id, peers, dataDir, config, join, false);
  }

  /**
   * Starts a peer; with {@code forceNewCluster} a peer with empty Raft storage forms a new
   * cluster from the peers file at once, without asking the other peers whether one exists.
   */
  public static RaftKvNode start(String id, PeersFile peers, Path dataDir, NodeConfig config,
      boolean join, boolean forceNewCluster) throws IOException, ConfigException {
    return new RaftKvNode(id, peers, dataDir, config, join, forceNewCluster);
  }

  /**
   * Raft storage with a log but no term file (lost in a power failure) or left by a rejoin that
   * did not finish is not trusted: it is moved aside (never deleted) and the peer starts empty.
   */
  private void setAsideUntrusted(Path dataDir) throws IOException {
    Path dir = Formation.groupDir(dataDir.resolve("raft"));
    if (!Files.exists(dir)) {
      return;
    }
    Path aside = dir.resolveSibling(dir.getFileName() + ".untrusted-" + System.currentTimeMillis());
    Files.move(dir, aside);
    dev.raftkv.util.Dirs.fsync(dir.getParent());
    LOG.warn("{}: Raft storage {} has no term file or is from an unfinished rejoin: moved to {}; this peer"
        + " starts as an empty peer (delete that directory once the peer has rejoined)", id, dir, aside);
  }

  /** Why this peer's Raft group has not started (empty storage), or null once it runs. */
  public String formationStatus() {
    return formation == null || formation.formed().isDone() ? null : formation.status();
  }

  /** Completes once this peer's Raft group runs. */
  public CompletableFuture<Void> formed() {
    return formation == null ? CompletableFuture.completedFuture(null) : formation.formed();
  }

  private static void checkFree(String host, int port, String what) throws IOException {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new IOException("cannot listen for " + what + " on " + host + ":" + port + ": "
          + e.getMessage());
    }
  }

  /** Room in a log entry for Ratis' own fields and the batch header, beside the commands. */
  static final long ENTRY_OVERHEAD = 64 * 1024;

  /**
   * A command must fit in one Raft log entry: Ratis refuses to append an entry bigger than
   * raft.server.log.appender.buffer.byte-limit (4 MB), and a follower forwards it in one gRPC
   * message (raft.grpc.message.size.max, 64 MB).
   */
  private static void checkCommandLimit(NodeConfig config, RaftProperties props) throws ConfigException {
    long entryLimit = Math.min(RaftServerConfigKeys.Log.Appender.bufferByteLimit(props).getSize(),
        GrpcConfigKeys.messageSizeMax(props, s -> { }).getSize());
    long max = entryLimit - ENTRY_OVERHEAD;
    if (config.getLong(NodeConfig.MAX_COMMAND_BYTES) > max) {
      throw new ConfigException(NodeConfig.MAX_COMMAND_BYTES + " = "
          + config.getLong(NodeConfig.MAX_COMMAND_BYTES) + " does not fit in a Raft log entry: at most "
          + max + " (raft.server.log.appender.buffer.byte-limit and raft.grpc.message.size.max, less "
          + ENTRY_OVERHEAD + "); raise those (and raft.server.log.write.buffer.size, which must be"
          + " 8 bytes more than the buffer limit) to allow bigger commands");
    }
  }

  public static RaftGroup group(PeersFile peers) {
    return group(peers, -1);
  }

  /**
   * Group {@code index} of the peers file's members. The peer at position {@code index mod N} of
   * the file has priority 1 and the others 0: a Ratis leader hands its leadership to an up-to-date
   * follower of higher priority, so the groups' leaders spread over the processes, and spread
   * again once a peer that was down has caught up. Index -1: group 0 without priorities, as with
   * one group (its leader is wherever elections and {@code raftkv admin transfer-leader} put it);
   * with K > 1 groups, group 0 starts with the first peer preferred.
   */
  static RaftGroup group(PeersFile peers, int index) {
    int preferred = index < 0 ? -1 : index % peers.peers().size();
    List<RaftPeer> list = new ArrayList<>();
    for (Peer p : peers.peers()) {
      RaftPeer.Builder b = RaftPeer.newBuilder().setId(p.id()).setAddress(p.raft().toString());
      if (preferred >= 0) {
        b.setPriority(list.size() == preferred ? 1 : 0);
      }
      list.add(b.build());
    }
    return RaftGroup.valueOf(KvGroup.groupId(Math.max(0, index)), list);
  }

  /** {@code g}'s Raft group from the peers file: with priorities when there are several groups. */
  private RaftGroup raftGroup(KvGroup g) {
    return group(peers, groups.size() == 1 ? -1 : g.index);
  }

  /** raftkv.cluster.groups: how many Raft groups share the slots. */
  static int groupCount(NodeConfig config) {
    return config.getInt(NodeConfig.CLUSTER_GROUPS);
  }

  /** The Raft group id of group {@code index} (0: {@link #GROUP_ID}). */
  public static RaftGroupId groupId(int index) {
    return KvGroup.groupId(index);
  }

  private KvGroup group0() {
    return groups.get(0);
  }

  /**
   * Groups other than 0 that this peer's Raft server does not have yet (a new cluster, or
   * raftkv.cluster.groups raised) are added with the peers file's members, as group 0 is by a
   * new cluster. A peer started with --join serves group 0 only (add-peer changes group 0).
   */
  private void startOtherGroups() {
    for (KvGroup g : groups) {
      if (g.index == 0) {
        continue;
      }
      if (join) {
        refuse(g, "it joined with add-peer, which changes group 0");
        continue;
      }
      try {
        boolean present = false;
        for (RaftGroupId gid : server.getGroupIds()) {
          present |= gid.equals(g.groupId);
        }
        if (!present) {
          org.apache.ratis.protocol.RaftClientReply r = server.groupManagement(
              org.apache.ratis.protocol.GroupManagementRequest.newAdd(ClientId.randomId(), server.getId(),
                  g.index, raftGroup(g), false));
          if (!r.isSuccess()) {
            throw new IOException(String.valueOf(r.getException()));
          }
          g.goLive(0);
          LOG.info("{}: started Raft group {} ({}) with the peers of {}", id, g.index, g.groupId, peers.path());
        }
        g.gateway().refuseAll(null);
      } catch (IOException | RuntimeException e) {
        LOG.error("{}: cannot start Raft group {} ({}): {}", id, g.index, g.groupId, e.toString());
        g.gateway().refuseAll("CLUSTERDOWN " + id + " could not start Raft group " + g.index + ": " + e);
      }
    }
  }

  /** Groups above 0 are not started on this peer: their commands get a CLUSTERDOWN saying why. */
  private void refuseOtherGroups(String why) {
    for (KvGroup g : groups) {
      if (g.index != 0) {
        refuse(g, why);
      }
    }
    if (groups.size() > 1) {
      LOG.warn("{}: serves Raft group 0 only: {}", id, why);
    }
  }

  private void refuse(KvGroup g, String why) {
    g.gateway().refuseAll("CLUSTERDOWN " + id + " serves group 0 only (" + why + "): group " + g.index
        + " is not on this peer");
  }

  /** The group whose slot the command's first key hashes to (0: no keys, or one group). */
  private int groupOf(byte[][] argv) {
    if (groups.size() == 1) {
      return 0;
    }
    try {
      List<byte[]> keys = dev.raftkv.command.Commands.lookup(argv[0]).keys(argv);
      return keys.isEmpty() ? 0 : slotTable.group(dev.raftkv.cluster.Slots.slot(keys.get(0)));
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /**
   * Keyless writes that act on the whole node, so on every group: FLUSHALL, FLUSHDB, SCRIPT LOAD
   * and SCRIPT FLUSH (a script loaded once can then be run with EVALSHA on keys of any group).
   */
  private static boolean everyGroup(byte[][] argv) {
    return is(argv[0], "flushall") || is(argv[0], "flushdb")
        || is(argv[0], "script") && argv.length > 1 && (is(argv[1], "load") || is(argv[1], "flush"));
  }

  /**
   * Runs a keyless write on every group, each through its own log, and answers once all have:
   * the first error if any, else group 0's reply. Not atomic across groups: each group applies
   * its part on its own.
   */
  private CompletableFuture<byte[]> allGroups(byte[][] argv) {
    List<CompletableFuture<byte[]>> parts = new ArrayList<>(groups.size());
    for (KvGroup g : groups) {
      parts.add(g.gateway().write(argv));
    }
    return whenAll(parts, replies -> replies.get(0));
  }

  /** Once every part has answered: the first error among their replies, else {@code merge} of them. */
  private static CompletableFuture<byte[]> whenAll(List<CompletableFuture<byte[]>> parts,
      java.util.function.Function<List<byte[]>, byte[]> merge) {
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<byte[]> replies = new ArrayList<>(parts.size());
      for (CompletableFuture<byte[]> f : parts) {
        byte[] r = f.join();
        if (r.length == 0 || r[0] == '-') {
          return r;
        }
        replies.add(r);
      }
      return merge.apply(replies);
    });
  }

  /** Keyless reads that answer for the node's slots: DBSIZE, KEYS pattern, RANDOMKEY, SCAN. */
  private static boolean nodeScopedRead(byte[][] argv) {
    return argv.length == 1 && (is(argv[0], "dbsize") || is(argv[0], "randomkey"))
        || argv.length == 2 && is(argv[0], "keys") || argv.length >= 2 && is(argv[0], "scan");
  }

  /**
   * The groups whose slots this peer answers for in node-scoped reads: those it leads, as a Redis
   * Cluster master answers for its own slots (clients and {@code redis-cli --cluster} sum DBSIZE
   * and KEYS over the masters); a peer that leads none (a replica of every group) answers for all.
   */
  private List<KvGroup> servedGroups() {
    List<KvGroup> led = new ArrayList<>();
    for (KvGroup g : groups) {
      try {
        if (server.getDivision(g.groupId).getInfo().isLeader()) {
          led.add(g);
        }
      } catch (IOException e) {
        // not on this peer (a wiped or joined peer): not served here
      }
    }
    return led.isEmpty() ? groups : led;
  }

  /**
   * DBSIZE, KEYS or RANDOMKEY over {@link #servedGroups()}, each group through its own
   * linearizable read: the sum, the keys of all (one array), or the first key found (groups
   * taken in a random order). The first error, if any, is the answer.
   */
  private CompletableFuture<byte[]> servedGroupsRead(byte[][] argv) {
    List<KvGroup> served = new ArrayList<>(servedGroups());
    java.util.Collections.shuffle(served);
    List<CompletableFuture<byte[]>> parts = new ArrayList<>(served.size());
    for (KvGroup g : served) {
      parts.add(g.gateway().read(argv));
    }
    return whenAll(parts, replies -> mergeNodeScoped(argv, replies));
  }

  /**
   * One reply of several groups' RESP2 replies to DBSIZE (the sum), KEYS (every group's keys),
   * RANDOMKEY (the first key found) or SCAN (see {@link #mergeScans}).
   */
  static byte[] mergeNodeScoped(byte[][] argv, List<byte[]> replies) {
    List<RespReply> parsed = replies.stream().map(RespReply::parse).toList();
    if (is(argv[0], "randomkey")) {
      for (int i = 0; i < parsed.size(); i++) {
        if (!parsed.get(i).isNil()) {
          return replies.get(i);
        }
      }
      return replies.get(0);
    }
    if (is(argv[0], "dbsize")) {
      long total = 0;
      for (RespReply r : parsed) {
        total += Long.parseLong(new String(r.text, StandardCharsets.US_ASCII));
      }
      return new RespOut().integer(total).toByteArray();
    }
    if (is(argv[0], "scan")) {
      return mergeScans(parsed);
    }
    List<byte[]> keys = new ArrayList<>();
    for (RespReply r : parsed) {
      r.items.forEach(k -> keys.add(k.text));
    }
    return keys(null, keys);
  }

  /**
   * SCAN over several groups from one cursor. A SCAN cursor is a position in the 64-bit key hash
   * order, the same in every group, and each group's reply covers the hashes from the cursor up to
   * the cursor it returns (0: the end). So the merged reply covers up to the smallest of those:
   * every group's keys below it, none above (those come with the next call, from there), which
   * keeps SCAN's guarantee: every key present for the whole scan is returned.
   */
  private static byte[] mergeScans(List<RespReply> replies) {
    long next = 0; // 0: every group reached the end
    for (RespReply r : replies) {
      long cursor = Long.parseUnsignedLong(new String(r.items.get(0).text, StandardCharsets.US_ASCII));
      if (cursor != 0 && (next == 0 || Long.compareUnsigned(cursor, next) < 0)) {
        next = cursor;
      }
    }
    List<byte[]> found = new ArrayList<>();
    for (RespReply r : replies) {
      for (RespReply k : r.items.get(1).items) {
        if (next == 0 || Long.compareUnsigned(dev.raftkv.store.KeyHash.hash64(k.text), next) < 0) {
          found.add(k.text);
        }
      }
    }
    return keys(Long.toUnsignedString(next), found);
  }

  /** An array of {@code keys} (KEYS), or with a cursor in front: [cursor, [keys]] (SCAN). */
  private static byte[] keys(String cursor, List<byte[]> keys) {
    RespOut out = new RespOut();
    if (cursor != null) {
      out.array(2);
      out.bulk(cursor.getBytes(StandardCharsets.US_ASCII));
    }
    out.array(keys.size());
    keys.forEach(out::bulk);
    return out.toByteArray();
  }

  /** A blocked client's wake-up write, sent to the group of its keys. */
  private CompletableFuture<byte[]> wakeWrite(byte[][] argv) {
    return groups.get(groupOf(argv)).gateway().write(argv);
  }

  private void closeGroups() {
    for (KvGroup g : groups) {
      g.closeExpiry();
      g.closeGateway();
    }
    try {
      server.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: closing the Raft server: {}", id, e.toString());
    }
    groups.forEach(KvGroup::close);
  }

  static RaftProperties raftProperties(NodeConfig config, Path storage, String host, int port) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, new CommitNudgingGrpc());
    RaftServerConfigKeys.setStorageDir(p, List.of(storage.toFile()));
    GrpcConfigKeys.Server.setHost(p, host);
    GrpcConfigKeys.Server.setPort(p, port);
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.getLong(NodeConfig.SNAPSHOT_THRESHOLD));
    // Purge only what every follower has (min of snapshot and followers' commit index): purging
    // past a lagging follower makes Ratis 3.3.0 fall back to snapshot installs, where its appender
    // can stall on a stale match index (RATIS-2605). Opt in with raft.server.log.purge.upto.snapshot.index.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, false);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, config.getLong(NodeConfig.LOG_PRESERVE));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(
        Math.max(3000, config.getLong(NodeConfig.REQUEST_TIMEOUT_MS)), java.util.concurrent.TimeUnit.MILLISECONDS));
    // keep the readable entries of a segment and drop the rest: right only for the open segment's
    // unsynced tail after a power loss; LogCheck refuses to start when any other segment is damaged
    RaftServerConfigKeys.Log.setCorruptionPolicy(p, RaftServerConfigKeys.Log.CorruptionPolicy.WARN_AND_RETURN);
    config.raftProperties().forEach(p::set);
    p.set(CommitNudgingGrpc.HOLD_KEY, config.get(NodeConfig.REPLICATION_HOLD_MS));
    return p;
  }

  public String id() {
    return id;
  }

  public RaftServer raftServer() {
    return server;
  }

  public InetSocketAddress redisAddress() {
    return resp.localAddress();
  }

  /** The port of the /metrics endpoint, or 0 when it is off. */
  public int metricsPort() {
    return metrics == null ? 0 : metrics.port();
  }

  /** The TLS client listener's address, or null when there is none. */
  public InetSocketAddress tlsAddress() {
    return resp.tlsAddress();
  }

  /** Group 0's state machine. */
  public KvStateMachine stateMachine() {
    return group0().stateMachine;
  }

  /**
   * The state machines of the groups INFO keyspace counts: those this peer leads (all of them
   * when it leads none), the groups DBSIZE answers for (see {@link #servedGroups()}).
   */
  List<KvStateMachine> servedStateMachines() {
    return servedGroups().stream().map(g -> g.stateMachine).toList();
  }

  /** The state machine of group {@code index}. */
  public KvStateMachine stateMachine(int index) {
    return groups.get(index).stateMachine;
  }

  /** How many Raft groups this peer serves (raftkv.cluster.groups). */
  public int groupCount() {
    return groups.size();
  }

  /** The index of the last entry in this peer's log of a group (0: none, or no group yet). */
  private static long lastLogIndex(RaftServer server, RaftGroupId groupId) {
    try {
      org.apache.ratis.server.protocol.TermIndex last =
          server.getDivision(groupId).getRaftLog().getLastEntryTermIndex();
      return last == null ? 0 : last.getIndex();
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Requests (write batches, read index requests) other peers forwarded to this one. */
  public long forwardedIn() {
    return forwardReceiver == null ? 0 : forwardReceiver.received();
  }

  /** This peer's Pub/Sub hub (INFO). */
  public dev.raftkv.pubsub.PubSubHub pubsub() {
    return pubsub;
  }

  /** The gateway and INFO for the RESP front end. */
  private final class NodeBackend implements Backend {
    @Override
    public CompletableFuture<byte[]> write(byte[][] argv) {
      return group0().gateway().write(argv);
    }

    @Override
    public CompletableFuture<byte[]> read(byte[][] argv) {
      return group0().gateway().read(argv);
    }

    @Override
    public CompletableFuture<byte[]> write(int group, byte[][] argv) {
      if (group == 0 && groups.size() > 1 && everyGroup(argv)) {
        return allGroups(argv);
      }
      return groups.get(group).gateway().write(argv);
    }

    @Override
    public CompletableFuture<byte[]> read(int group, byte[][] argv) {
      if (group == 0 && groups.size() > 1 && nodeScopedRead(argv)) {
        return servedGroupsRead(argv);
      }
      return groups.get(group).gateway().read(argv);
    }

    @Override
    public String info(List<String> sections, ServerStats stats) {
      return InfoReport.render(RaftKvNode.this, sections, stats);
    }

    @Override
    public boolean overloaded() {
      for (KvGroup g : groups) {
        if (g.gateway().overloaded()) {
          return true;
        }
      }
      return false;
    }

    @Override
    public dev.raftkv.acl.Acl acl() {
      return acl;
    }

    @Override
    public dev.raftkv.pubsub.PubSubHub pubsub() {
      return pubsub;
    }

    @Override
    public void setActiveExpire(boolean on) {
      for (KvGroup g : groups) {
        if (g.expirySweeper() != null) {
          g.expirySweeper().setPaused(!on);
        }
      }
    }

    @Override
    public dev.raftkv.resp.BlockingWaiters blocking() {
      return blocking;
    }

    @Override
    public dev.raftkv.cluster.Topology cluster() {
      return topology;
    }

    @Override
    public int otherPeers() {
      try {
        return server.getDivision(GROUP_ID).getGroup().getPeers().size() - 1;
      } catch (IOException e) {
        return peers.peers().size() - 1;
      }
    }
  }

  NodeConfig config() {
    return config;
  }

  PeersFile peers() {
    return peers;
  }

  /** Group 0's store. */
  Store store() {
    return group0().store;
  }

  /**
   * This peer's Raft log cannot be written (disk full, I/O error): Ratis would keep the member
   * running with a log that refuses every append, and the leader would retry forever. Stop the
   * Raft server instead; the RESP port stays up and answers every data command with CLUSTERDOWN.
   */
  private void stopRaftAfterLogFailure(Throwable cause) {
    synchronized (this) {
      if (raftFailed || closed) {
        return;
      }
      raftFailed = true;
    }
    for (KvGroup kg : groups) {
      RaftGateway g = kg.gateway();
      if (g == null) {
        continue;
      }
      g.refuseAll("CLUSTERDOWN peer " + id + " has stopped: its Raft log could not be written ("
          + cause.getMessage() + "); the other peers serve; restart it once the disk is fixed");
    }
    Thread t = new Thread(() -> {
      try {
        server.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("{}: closing the Raft server: {}", id, e.toString());
      }
      LOG.error("{}: Raft server stopped after a log write failure; restart this peer once the disk is fixed", id);
    }, id + "-log-failure");
    t.setDaemon(true);
    t.start();
  }

  /** False once this peer's Raft server (its group member) has stopped, e.g. after a disk failure. */
  public boolean raftRunning() {
    try {
      return server.getDivision(GROUP_ID).getInfo().getLifeCycleState()
          == org.apache.ratis.util.LifeCycle.State.RUNNING;
    } catch (IOException e) {
      return false;
    }
  }

  /** How many clients of this peer are blocked (INFO clients). */
  int blockedClients() {
    return blocking.blockedClients();
  }

  /** Group 0's gateway. */
  RaftGateway gateway() {
    return group0().gateway();
  }

  /** Group 0's expiry sweeper. */
  ExpirySweeper expirySweeper() {
    return group0().expirySweeper();
  }

  long startMillis() {
    return startMillis;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    LOG.info("{}: shutting down", id);
    if (formation != null) {
      formation.close();
    }
    groups.forEach(KvGroup::closeWatchdog);
    if (metrics != null) {
      metrics.close();
    }
    groups.forEach(KvGroup::closeExpiry);
    resp.close();
    groups.forEach(KvGroup::closeGateway);
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("{}: closing the Raft server: {}", id, e.toString());
    }
    groups.forEach(KvGroup::close);
    LOG.info("{}: stopped", id);
  }
}
