package dev.raftkv.raft;

import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import dev.raftkv.command.Keyspace;
import dev.raftkv.resp.RespOut;
import dev.raftkv.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
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
public final class KvStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(KvStateMachine.class);

  private final String peerId;
  private final Store store;
  private final SnapshotDirs snapshots;
  /** Commits take the write lock; reads the read lock, so a batch is never seen half-applied. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile long lastSnapshotIndex = -1;
  /** Told the stored ACL table (null: none) whenever it may have changed. */
  private volatile java.util.function.Consumer<byte[]> aclListener = acl -> {};

  public KvStateMachine(String peerId, Store store, int retainSnapshots) {
    this.peerId = peerId;
    this.store = store;
    this.snapshots = new SnapshotDirs(retainSnapshots);
  }

  /**
   * Registers who learns the replicated ACL table: called now, after every applied ACL change and
   * after a snapshot is loaded. Set it before the Raft server starts (replay applies entries).
   */
  public void setAclListener(java.util.function.Consumer<byte[]> listener) {
    aclListener = listener;
    listener.accept(store.getSystem(dev.raftkv.acl.AclTable.SYSTEM_KEY));
  }

  public Store store() {
    return store;
  }

  public long lastSnapshotIndex() {
    return lastSnapshotIndex;
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    super.initialize(server, groupId, raftStorage);
    snapshots.init(raftStorage);
    getLifeCycle().startAndTransition(this::loadLatest, IOException.class);
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
      setLastAppliedTermIndex(latest == null ? TermIndex.INITIAL_VALUE : latest.termIndex());
      lastSnapshotIndex = latest == null ? -1 : latest.termIndex().getIndex();
      snapshots.cleanup();
      aclListener.accept(store.getSystem(dev.raftkv.acl.AclTable.SYSTEM_KEY));
    } finally {
      lock.writeLock().unlock();
    }
    LOG.info("{}: state machine ready: snapshot index {}, store applied index {}, {} keys", peerId,
        lastSnapshotIndex, store.appliedIndex(), store.count());
  }

  @Override
  public void pause() {
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
    PendingKeyspace ks = new PendingKeyspace(store, batch.timestamp);
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
    } catch (IOException e) {
      throw new IllegalStateException(peerId + ": store commit failed at index " + index, e);
    } finally {
      lock.writeLock().unlock();
    }
    if (ks.systemChanged()) {
      aclListener.accept(store.getSystem(dev.raftkv.acl.AclTable.SYSTEM_KEY));
    }
    updateLastAppliedTermIndex(term, index);
    return CompletableFuture.completedFuture(
        Message.valueOf(ByteString.copyFrom(CommandBatch.encodeReplies(replies))));
  }

  /** A batch of read commands; the replies in order. Thread-safe; may run during apply. */
  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      CommandBatch batch = CommandBatch.decode(request.getContent().asReadOnlyByteBuffer());
      return CompletableFuture.completedFuture(
          Message.valueOf(ByteString.copyFrom(CommandBatch.encodeReplies(read(batch.commands)))));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Runs {@code reader} on the applied state with no batch half-committed meanwhile (INFO keyspace). */
  public <T> T readStore(java.util.function.Function<Store, T> reader) {
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
    snapshots.publish(tmp, last, store.kind());
    lastSnapshotIndex = last.getIndex();
    LOG.info("{}: snapshot at index {} ({} keys) took {} ms", peerId, last.getIndex(),
        store.count(), (System.nanoTime() - start) / 1_000_000);
    return last.getIndex();
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
