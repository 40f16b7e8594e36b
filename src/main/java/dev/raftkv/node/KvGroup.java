package dev.raftkv.node;

import dev.raftkv.command.Keyspace;
import dev.raftkv.config.NodeConfig;
import dev.raftkv.raft.DirectForward;
import dev.raftkv.raft.KvStateMachine;
import dev.raftkv.raft.RaftGateway;
import dev.raftkv.store.MemoryStore;
import dev.raftkv.store.RocksStore;
import dev.raftkv.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Raft group of a peer (a division of its RaftServer) and what serves it: the group's store
 * and state machine, its gateway (write batching, ReadFence), its expiry sweeper and catch-up
 * watchdog. Node-wide services (the RaftServer, RESP and metrics listeners, ACL, Pub/Sub hub,
 * blocked clients) stay in {@link RaftKvNode}.
 *
 * <p>Built in two steps: {@link #open} makes the store and state machine (before the RaftServer
 * exists, so that its state machine registry can hand them out), {@link #startServices} the rest
 * once the server runs.
 */
final class KvGroup implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KvGroup.class);

  final int index;
  final RaftGroupId groupId;
  /** This group's directory for its store, backups and restore staging (group 0: the data dir). */
  final Path dir;
  final Store store;
  final KvStateMachine stateMachine;
  private final String peerId;
  private RaftClient rpcClient;
  /** Carries this group's forwarded writes and read index requests to its leader (null: Ratis' client). */
  private DirectForward.Client forward;
  private RaftGateway gateway;
  private ExpirySweeper expiry;
  private CatchUpWatchdog watchdog;
  /**
   * Pub/Sub of groups other than 0: entries up to this index were replayed at start and are not
   * published anew (group 0 uses the hub's own mark).
   */
  private volatile long replayedUpTo = Long.MAX_VALUE;

  private KvGroup(String peerId, int index, Path dir, Store store, KvStateMachine stateMachine) {
    this.peerId = peerId;
    this.index = index;
    this.groupId = groupId(index);
    this.dir = dir;
    this.store = store;
    this.stateMachine = stateMachine;
  }

  /**
   * Group {@code index}'s Raft group id: group 0 keeps raft-kv's original id (existing data
   * directories load unchanged); group i > 0 has the name-based UUID of "raft-kv group i", the
   * same on every peer.
   */
  static RaftGroupId groupId(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("group index must be >= 0: " + index);
    }
    return index == 0 ? RaftKvNode.GROUP_ID : RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("raft-kv group " + index).getBytes(StandardCharsets.UTF_8)));
  }

  /** Where group {@code index} keeps its store: the data dir for group 0, else groups/gN under it. */
  static Path dir(Path dataDir, int index) {
    return index == 0 ? dataDir : dataDir.resolve("groups").resolve("g" + index);
  }

  /** Opens (or creates) the group's store and its state machine. */
  static KvGroup open(String peerId, int index, Path dataDir, NodeConfig config) throws IOException {
    Path dir = dir(dataDir, index);
    Files.createDirectories(dir);
    // raftkv.store is validated to be a store kind: rocksdb or memory
    Store s = config.get(NodeConfig.STORE).equals("memory") ? new MemoryStore()
        : new RocksStore(dir.resolve("db"));
    KvStateMachine sm = new KvStateMachine(groupName(peerId, index), s,
        config.getInt(NodeConfig.SNAPSHOT_RETAIN), dir);
    return new KvGroup(peerId, index, dir, s, sm);
  }

  /** The name in log lines: the peer id, with the group for groups other than 0. */
  static String groupName(String peerId, int index) {
    return index == 0 ? peerId : peerId + "/g" + index;
  }

  /** For groups other than 0: their own replay mark in front of the node's Pub/Sub hub. */
  KvStateMachine.PublishListener publishListener(dev.raftkv.pubsub.PubSubHub hub) {
    if (index == 0) {
      return hub;
    }
    return new KvStateMachine.PublishListener() {
      @Override
      public long receivers(boolean shard, byte[] channel) {
        return hub.receivers(shard, channel);
      }

      @Override
      public void published(long logIndex, List<Keyspace.Published> messages) {
        if (logIndex > replayedUpTo) {
          hub.published(Long.MAX_VALUE, messages); // past the hub's group-0 mark once it is live
        }
      }
    };
  }

  /** Entries after {@code lastReplayedIndex} of this group are published (groups other than 0). */
  void goLive(long lastReplayedIndex) {
    replayedUpTo = lastReplayedIndex;
  }

  /** Starts the gateway, expiry sweeper and catch-up watchdog once the RaftServer runs. */
  void startServices(RaftServer server, RaftGroup group, RaftProperties props, Parameters raftParameters,
      NodeConfig config) {
    String name = groupName(peerId, index);
    this.rpcClient = RaftClient.newBuilder()
        .setProperties(props)
        .setParameters(raftParameters)
        .setRaftGroup(group)
        .setClientId(ClientId.randomId())
        .setRetryPolicy(RetryPolicies.noRetry())
        .build();
    this.forward = config.get(NodeConfig.FORWARD_DIRECT).equals("yes")
        ? new DirectForward.Client(name, props, raftParameters) : null;
    this.gateway = new RaftGateway(name, server, groupId, rpcClient, forward, stateMachine,
        new RaftGateway.Settings(config.getInt(NodeConfig.MAX_BATCH_OPS),
            config.getLong(NodeConfig.MAX_BATCH_BYTES), config.getInt(NodeConfig.MAX_INFLIGHT),
            config.getLong(NodeConfig.REQUEST_TIMEOUT_MS),
            config.get(NodeConfig.READ_MODE).equals("stale"),
            config.getLong(NodeConfig.MAX_COMMAND_BYTES), config.getLong(NodeConfig.MAX_QUEUED_BYTES),
            config.getInt(NodeConfig.MAX_VALUE_BYTES)));
    this.expiry = new ExpirySweeper(name, server, groupId, store, gateway,
        config.getInt(NodeConfig.EXPIRY_KEYS_PER_ENTRY),
        config.getInt(NodeConfig.EXPIRY_ENTRIES_PER_SECOND));
  }

  /** Starts the catch-up watchdog, watching {@code raftDir} for changes (after the RESP listener). */
  void startWatchdog(RaftServer server, RaftGroup group, RaftProperties props, Parameters raftParameters,
      NodeConfig config, Path raftDir) {
    this.watchdog = new CatchUpWatchdog(groupName(peerId, index), server, group, props, raftParameters,
        raftDir, config.getLong(NodeConfig.CATCH_UP_STUCK_MS), 60_000);
  }

  RaftGateway gateway() {
    return gateway;
  }

  ExpirySweeper expirySweeper() {
    return expiry;
  }

  void closeWatchdog() {
    if (watchdog != null) {
      watchdog.close();
    }
  }

  void closeExpiry() {
    if (expiry != null) {
      expiry.close();
    }
  }

  void closeGateway() {
    if (gateway != null) {
      gateway.close();
    }
  }

  /** After the RaftServer has closed: the state machine's services, the client, the store. */
  @Override
  public void close() {
    stateMachine.shutdownServices();
    if (forward != null) {
      forward.close();
    }
    if (rpcClient != null) {
      try {
        rpcClient.close();
      } catch (IOException e) {
        LOG.warn("{}: closing the Raft client: {}", groupName(peerId, index), e.toString());
      }
    }
    try {
      store.close();
    } catch (IOException e) {
      LOG.warn("{}: closing the store: {}", groupName(peerId, index), e.toString());
    }
  }
}
