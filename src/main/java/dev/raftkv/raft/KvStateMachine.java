package dev.raftkv.raft;

import dev.raftkv.acl.AclTable;
import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import dev.raftkv.command.Keyspace;
import dev.raftkv.command.RejoinCommands;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.store.Key;
import dev.raftkv.store.Store;
import dev.raftkv.util.DirSync;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.proto.RaftProtos.InstallSnapshotResult;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated state machine: applies committed command batches to the store, serves reads,
 * takes and installs snapshots.
 *
 * <p>Apply is deterministic: "now" comes from the log entry, commands were validated and
 * normalized before they entered the log, and user errors are replies (the same on every
 * replica). A failure of the store itself is thrown, which stops this peer rather than letting
 * replicas diverge.
 */
public final class KvStateMachine extends BaseStateMachine implements StateMachine.DataApi {
  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);

  private final String peerId;
  private final Store store;
  private final SnapshotDirs snapshots;
  /** Commits take the write lock; reads the read lock, so a batch is never seen half-applied. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile long lastSnapshotIndex = -1;
  /** Fsyncs Ratis' log directory when a segment was created or renamed (see {@link #flush}). */
  private volatile DirSync logDirSync;
  /** This peer's Raft group directory (log, configuration, snapshots), for {@link StorageCopy}. */
  private volatile Path groupDir;
  private final RemovedPeers removedPeers = new RemovedPeers();
  /** The peer's data directory (backup copies, a restore to seed from); null: no backups. */
  private final Path dataDir;
  private final BackupService backups;
  private volatile Consumer<Throwable> onLogFailure = t -> { };
  private final AtomicBoolean logFailed = new AtomicBoolean();
  /** The leader's confirmed read index, for followers' {@link ReadFence#READ_INDEX} requests. */
  private volatile Function<ByteBuffer, CompletableFuture<Long>> readIndexSource =
      r -> CompletableFuture.failedFuture(new ReadFence.NotConfirmed("not serving reads yet"));
  /** A read index confirmed by the leader after the call, for backups (the gateway's). */
  private volatile Supplier<CompletableFuture<Long>> readPointSource =
      () -> CompletableFuture.failedFuture(new ReadFence.NotConfirmed("not serving reads yet"));
  /** Reads waiting until the applied index reaches theirs (null only inside BaseStateMachine's constructor). */
  private final AppliedWaiters appliedWaiters = new AppliedWaiters(() -> getLastAppliedTermIndex().getIndex());
  /**
   * Told, after each applied entry, the keys it changed (null: any key may have changed, after a
   * FLUSHALL or a snapshot load); called on the apply thread, so it must return at once. Blocked
   * clients are woken through it (resp.BlockingWaiters).
   */
  private volatile Consumer<Set<Key>> keysListener = keys -> {};

  /** Told the stored ACL table (null: none) whenever it may have changed. */
  private volatile Consumer<byte[]> aclListener = acl -> {};

  /**
   * This peer's Pub/Sub hub: counts receivers while a PUBLISH is applied, and gets the messages
   * of every entry after its commit, on this (the apply) thread; it must not block.
   */
  public interface PublishListener {
    long receivers(boolean shard, byte[] channel);

    void published(long index, List<Keyspace.Published> messages);

    /** This peer's notify-keyspace-events flags (dev.raftkv.command.KeyspaceEvents); 0: none. */
    default int keyspaceEvents() {
      return 0;
    }
  }

  private volatile PublishListener publishListener;

  /** Registers the Pub/Sub hub (see {@link PublishListener}); entries skipped on replay publish nothing. */
  public void setPublishListener(PublishListener listener) {
    publishListener = listener;
  }

  public KvStateMachine(String peerId, Store store, int retainSnapshots) {
    this(peerId, store, retainSnapshots, null);
  }

  public KvStateMachine(String peerId, Store store, int retainSnapshots, Path dataDir) {
    this.peerId = peerId;
    this.store = store;
    this.snapshots = new SnapshotDirs(retainSnapshots);
    this.dataDir = dataDir;
    this.backups = dataDir == null ? null : new BackupService(peerId, dataDir.resolve("backups"));
  }

  /**
   * Registers who learns the replicated ACL table: called now, after every applied ACL change and
   * after a snapshot is loaded. Set it before the Raft server starts (replay applies entries).
   */
  public void setAclListener(Consumer<byte[]> listener) {
    aclListener = listener;
    listener.accept(store.getSystem(AclTable.SYSTEM_KEY));
  }

  /** Registers who learns which keys each applied entry changed (see {@code keysListener}). */
  public void setKeysListener(Consumer<Set<Key>> listener) {
    keysListener = listener;
  }

  public Store store() {
    return store;
  }

  /** Called (once per failure, on a Ratis thread) when this peer's Raft log cannot be written. */
  public void onLogFailure(Consumer<Throwable> handler) {
    this.onLogFailure = handler;
  }

  /**
   * Ratis' log worker failed (disk full, I/O error): from now on every append fails on this peer.
   * Say so clearly, once, and let the node stop this peer's Raft server.
   */
  @Override
  public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
    if (!logFailed.compareAndSet(false, true)) {
      return; // every later append fails the same way: one line says it
    }
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    LOG.error("{}: the Raft log could not be written{} ({}): this peer stops; fix the disk (free space)"
        + " and restart it; the other peers go on without it", peerId,
        failedEntry == null ? "" : " at index " + failedEntry.getIndex(), root.toString());
    onLogFailure.accept(root);
  }

  public long lastSnapshotIndex() {
    return lastSnapshotIndex;
  }

  /** Ids removed from the cluster's configuration, sorted (see {@link RemovedPeers}). */
  public List<String> removedPeers() {
    return removedPeers.list();
  }

  /** Called by Ratis on its apply thread for every configuration entry, also on replay. */
  @Override
  public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto conf) {
    Function<List<RaftPeerProto>, String> ids = l -> l.stream().map(p -> p.getId().toStringUtf8() + "@" + p.getAddress()).sorted().toList().toString();
    LOG.info("{}: configuration changed at index {} (term {}): peers {}, listeners {}{}", peerId, index, term,
        ids.apply(conf.getPeersList()), ids.apply(conf.getListenersList()),
        conf.getOldPeersCount() == 0 ? "" : " (joint consensus with the old peers "
            + ids.apply(conf.getOldPeersList()) + ")");
    Set<String> gone = removedPeers.apply(conf);
    if (!gone.isEmpty()) {
      LOG.info("{}: configuration at index {} removed {}", peerId, index, gone);
    }
  }

  /**
   * Called by Ratis' log worker before every fsync of the log, and waited for before the entries
   * count as written (before any acknowledgement): a new segment file (or the rename of the one
   * before) is made durable here, by an fsync of the log directory when it changed.
   */
  @Override
  public CompletableFuture<Void> flush(long logIndex) {
    DirSync d = logDirSync;
    if (d != null) {
      try {
        d.syncIfChanged();
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  /** How often the log directory was fsync'd for a new or renamed segment (INFO raft). */
  public long logDirSyncs() {
    DirSync d = logDirSync;
    return d == null ? 0 : d.syncs();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    groupDir = raftStorage.getStorageDir().getRoot().toPath().toAbsolutePath().normalize();
    snapshots.init(raftStorage);
    // the names Ratis just created (current/, sm/, the group dir, raft/, the data dir) must
    // survive a power loss, and so must every segment it creates or renames later (flush)
    Path current = raftStorage.getStorageDir().getCurrentDir().toPath();
    logDirSync = new DirSync(current);
    DirSync.syncWithParents(raftStorage.getStorageDir().getStateMachineDir().toPath(), 0);
    DirSync.syncWithParents(current, 5);
    if (dataDir != null) {
      Restore.seed(peerId, dataDir.resolve(Restore.DIR), store.kind(), snapshots,
          raftStorage.getStorageDir().getCurrentDir().toPath());
    }
    if (life.getCurrentState() == LifeCycle.State.CLOSED) {
      // the group was closed and is started again (a rejoining peer whose group closed itself)
      life = new LifeCycle(peerId + "-" + getClass().getSimpleName());
    }
    getLifeCycle().startAndTransition(this::loadLatest, IOException.class);
  }

  /**
   * The state machine's life cycle. Ratis' own ends for good once closed; this one is replaced
   * when the group starts again after closing (Formation removes a group that closed itself
   * while the peer rejoined, and starts it anew on this same state machine and store).
   */
  private volatile LifeCycle life = new LifeCycle(getClass().getSimpleName());

  @Override
  public LifeCycle getLifeCycle() {
    return life;
  }

  @Override
  public LifeCycle.State getLifeCycleState() {
    return life.getCurrentState();
  }

  /**
   * Brings the store in line with the newest snapshot: a store that is behind it (empty, wiped,
   * or a memory store) is replaced by it. Ratis then replays the log after the snapshot; entries
   * the store already has are skipped in {@link #applyTransaction}.
   */
  private void loadLatest() throws IOException {
    snapshots.invalidate(); // an installed snapshot may have arrived since the last look
    SnapshotDirs.Snapshot latest = snapshots.latest();
    lock.writeLock().lock();
    try {
      if (latest != null && store.appliedIndex() < latest.termIndex().getIndex()) {
        LOG.info("{}: loading snapshot {} into the {} store (store applied index {})", peerId,
            latest.dir().getFileName(), store.kind(), store.appliedIndex());
        store.restore(latest.dir());
      }
      removedPeers.load(latest == null ? null : latest.dir());
      setLastAppliedTermIndex(latest == null ? TermIndex.INITIAL_VALUE : latest.termIndex());
      lastSnapshotIndex = latest == null ? -1 : latest.termIndex().getIndex();
      snapshots.cleanup();
      aclListener.accept(store.getSystem(AclTable.SYSTEM_KEY));
    } finally {
      lock.writeLock().unlock();
    }
    keysListener.accept(null);
    LOG.info("{}: state machine ready: snapshot index {}, store applied index {}, {} keys", peerId,
        lastSnapshotIndex, store.appliedIndex(), store.count());
  }

  @Override
  public void pause() {
    snapshots.invalidate(); // Ratis pauses the state machine to move an installed snapshot in
    LifeCycle lc = getLifeCycle();
    if (lc.getCurrentState() == LifeCycle.State.RUNNING) {
      lc.transition(LifeCycle.State.PAUSING);
      lc.transition(LifeCycle.State.PAUSED);
    }
  }

  /** After a snapshot install: the installed snapshot replaces the store. */
  @Override
  public void reinitialize() throws IOException {
    LOG.info("{}: reinitializing from an installed snapshot", peerId);
    getLifeCycle().startAndTransition(this::loadLatest, IOException.class);
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    long term = entry.getTerm();
    if (index <= store.appliedIndex()) {
      // replay after a restart: the persistent store already contains this entry
      updateLastAppliedTermIndex(term, index);
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    CommandBatch batch;
    try {
      batch = CommandBatch.decode(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
    } catch (IOException e) {
      // the log only holds what this code encoded: a corrupt entry must stop the peer
      throw new IllegalStateException(peerId + ": undecodable log entry at index " + index, e);
    }
    List<byte[]> replies = new ArrayList<>(batch.commands.length);
    PendingKeyspace ks = new PendingKeyspace(store, batch.timestamp, batch.maxValueBytes);
    PublishListener pubsub = publishListener;
    ks.publishTo(pubsub);
    RespOut out = new RespOut(256);
    for (byte[][] argv : batch.commands) {
      CommandSpec spec = Commands.lookup(argv[0]);
      if (spec == null || spec.route() != CommandSpec.Route.WRITE || !spec.arityOk(argv.length)) {
        // cannot happen for entries written by this version; deterministic on every replica
        out.error("ERR command not allowed in the log: " + new String(argv[0], StandardCharsets.UTF_8));
      } else {
        Commands.execute(spec, argv, ks, out);
      }
      replies.add(out.toByteArray());
      out.truncate(0);
    }
    lock.writeLock().lock();
    try {
      ks.commit(term, index);
    } catch (IOException | RuntimeException e) {
      LOG.error("{}: the store could not be written at index {} ({}): this peer stops; fix the disk"
          + " (free space) and restart it", peerId, index, e.toString());
      throw new IllegalStateException(peerId + ": store commit failed at index " + index, e);
    } finally {
      lock.writeLock().unlock();
    }
    if (ks.systemChanged()) {
      aclListener.accept(store.getSystem(AclTable.SYSTEM_KEY));
    }
    if (pubsub != null && !ks.published().isEmpty()) {
      pubsub.published(index, ks.published());
    }
    updateLastAppliedTermIndex(term, index);
    Set<Key> changed = ks.changedKeys();
    if (changed == null || !changed.isEmpty()) {
      keysListener.accept(changed);
    }
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(CommandBatch.encodeReplies(replies))));
  }

  /** Where {@link ReadFence#READ_INDEX} requests get the confirmed read index (the gateway). */
  void setReadIndexSource(Function<ByteBuffer, CompletableFuture<Long>> source) {
    readIndexSource = source;
  }

  /** Stops what outlives a closed group: the backup copier (when the peer stops). */
  public void shutdownServices() {
    if (backups != null) {
      backups.close();
    }
  }

  /** Where backups get a read index confirmed after their request arrived (the gateway). */
  void setReadPointSource(Supplier<CompletableFuture<Long>> source) {
    readPointSource = source;
  }

  /** Completes once everything up to {@code index} is applied (at once if it is). */
  CompletableFuture<Void> whenApplied(long index) {
    return appliedWaiters.when(index);
  }

  private void signalApplied() {
    if (appliedWaiters != null) { // null: BaseStateMachine's constructor sets the applied index
      appliedWaiters.signal();
    }
  }

  @Override
  protected boolean updateLastAppliedTermIndex(TermIndex newTI) {
    boolean updated = super.updateLastAppliedTermIndex(newTI);
    signalApplied();
    return updated;
  }

  @Override
  protected void setLastAppliedTermIndex(TermIndex newTI) {
    super.setLastAppliedTermIndex(newTI);
    signalApplied();
  }

  /**
   * Messages to this peer's state machine over the Raft port, told apart by their first byte;
   * thread-safe, may run during apply: the leader checks of {@link ReadFence} (whether this peer
   * follows the asker) and, on the leader, a confirmed read index for a follower; a rejoining
   * peer's {@link PeerReport} probe and {@link StorageCopy} requests; the admin requests of
   * {@link BackupService}.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    ByteString content = request.getContent();
    byte kind = content.isEmpty() ? 0 : content.byteAt(0);
    try {
      return switch (kind) {
        case ReadFence.LEADER_CHECK -> reply(ReadFence.answer(content.asReadOnlyByteBuffer(), division().getInfo()));
        case PeerReport.PROBE -> reply(PeerReport.answer(peerId, division(),
            readStore(st -> RejoinCommands.decode(st.getSystem(RejoinCommands.SYSTEM_KEY)))));
        case StorageCopy.COPY -> reply(StorageCopy.answer(content.substring(1).toByteArray(), groupDir, division()));
        case ReadFence.READ_INDEX -> readIndexSource.apply(content.asReadOnlyByteBuffer())
            .thenApply(i -> Message.valueOf(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(i).array())));
        case BackupRequest.ADMIN_MESSAGE -> backup(content.substring(1).toByteArray());
        // client reads do not come this way: the gateway runs them with read() after its own ReadIndex
        default -> CompletableFuture.failedFuture(new IOException(peerId + ": unknown query"));
      };
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private RaftServer.Division division() throws IOException {
    return getServer().join().getDivision(getGroupId());
  }

  private static CompletableFuture<Message> reply(byte[] answer) {
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(answer)));
  }

  /** An admin request of {@link BackupService}. */
  private CompletableFuture<Message> backup(byte[] admin) {
    if (backups == null) {
      return CompletableFuture.failedFuture(new IOException(peerId + ": backups are not available"));
    }
    // a copy holds every write acknowledged before it was asked for: it waits for a read index
    // the leader confirmed after that (never Ratis' ReadIndex, see ReadFence)
    CompletableFuture<Void> ready = BackupService.needsReadPoint(admin)
        ? readPointSource.get().thenCompose(this::whenApplied).orTimeout(30, TimeUnit.SECONDS)
        : CompletableFuture.completedFuture(null);
    return ready.thenCompose(v -> backups.handle(admin, store, this::readStore))
        .thenApply(b -> Message.valueOf(ByteString.copyFrom(b)));
  }

  /** Runs {@code reader} on the applied state with no batch half-committed meanwhile (INFO keyspace). */
  public <T> T readStore(Function<Store, T> reader) {
    lock.readLock().lock();
    try {
      return reader.apply(store);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Runs read commands against the applied state with the local clock as "now". */
  public List<byte[]> read(byte[][][] commands) {
    List<byte[]> replies = new ArrayList<>(commands.length);
    lock.readLock().lock();
    try {
      Keyspace ks = new StoreKeyspace(store, System.currentTimeMillis());
      RespOut out = new RespOut(256);
      for (byte[][] argv : commands) {
        CommandSpec spec = Commands.lookup(argv[0]);
        if (spec == null || spec.route() != CommandSpec.Route.READ || !spec.arityOk(argv.length)) {
          out.error("ERR not a read command");
        } else {
          Commands.execute(spec, argv, ks, out);
        }
        replies.add(out.toByteArray());
        out.truncate(0);
      }
    } finally {
      lock.readLock().unlock();
    }
    return replies;
  }

  /** Runs on Ratis' apply thread: nothing is applied meanwhile, so the copy is consistent. */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() <= 0) {
      return -1;
    }
    SnapshotDirs.Snapshot latest = snapshots.latest();
    if (latest != null && latest.termIndex().getIndex() >= last.getIndex()) {
      return latest.termIndex().getIndex();
    }
    long start = System.nanoTime();
    Path tmp = snapshots.newTemp(last);
    store.checkpoint(tmp);
    removedPeers.save(tmp);
    snapshots.publish(tmp, last, store.kind());
    lastSnapshotIndex = last.getIndex();
    LOG.info("{}: snapshot at index {} ({} keys) took {} ms", peerId, last.getIndex(),
        store.count(), (System.nanoTime() - start) / 1_000_000);
    return last.getIndex();
  }

  // --- events worth one log line each ----------------------------------------------------------

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
    if (newLeader == null) {
      LOG.info("{}: no leader known", peerId);
    } else if (newLeader.equals(member.getPeerId())) {
      LOG.info("{}: this peer is now the leader", peerId);
    } else {
      LOG.info("{}: leader is now {}; this peer follows", peerId, newLeader);
    }
  }

  @Override
  public void notifyLeaderReady() {
    LOG.info("{}: leader ready (its first entry of the term is committed)", peerId);
  }

  @Override
  public void notifySnapshotInstalled(InstallSnapshotResult result, long snapshotIndex, RaftPeer peer) {
    LOG.info("{}: snapshot install on {}: {} at index {}", peerId, peer == null ? "?" : peer.getId(), result,
        snapshotIndex);
  }

  @Override
  public void close() throws IOException {
    lock.writeLock().lock();
    try {
      getLifeCycle().checkStateAndClose();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
