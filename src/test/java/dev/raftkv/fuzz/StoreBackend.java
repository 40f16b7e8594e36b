package dev.raftkv.fuzz;

import dev.raftkv.command.CommandSpec;
import dev.raftkv.command.Commands;
import dev.raftkv.raft.CommandBatch;
import dev.raftkv.raft.KvStateMachine;
import dev.raftkv.raft.PendingKeyspace;
import dev.raftkv.resp.Backend;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.resp.ServerStats;
import dev.raftkv.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A backend that runs commands the way a peer does, minus the network: a write is encoded into a
 * log entry, decoded and applied to a real store through the state machine's keyspace; a read runs
 * through the state machine's read path. Some replies are held back and released later in a
 * random order, so the front end's reply ordering is exercised too.
 */
public final class StoreBackend implements Backend {
  private final Store store;
  private final KvStateMachine sm;
  private final Random random;
  private final double deferProbability;
  private final List<Runnable> deferred = new ArrayList<>();
  private long index;
  private long now = 1_700_000_000_000L;
  /** What {@link #overloaded()} answers: tests switch it to exercise the front end's pause. */
  public volatile boolean overload;
  /** Every reply produced, for checks on their content. */
  public final List<byte[]> replies = new ArrayList<>();

  public StoreBackend(Store store, long seed, double deferProbability) {
    this.store = store;
    this.sm = new KvStateMachine("fuzz", store, 1);
    this.random = new Random(seed);
    this.deferProbability = deferProbability;
  }

  @Override
  public CompletableFuture<byte[]> write(byte[][] argv) {
    byte[] entry = CommandBatch.encode(now++, dev.raftkv.command.Commands.DEFAULT_MAX_VALUE, List.<byte[][]>of(argv));
    CommandBatch batch;
    try {
      batch = CommandBatch.decode(ByteBuffer.wrap(entry));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    PendingKeyspace ks = new PendingKeyspace(store, batch.timestamp, batch.maxValueBytes);
    RespOut out = new RespOut();
    CommandSpec spec = Commands.lookup(batch.commands[0][0]);
    Commands.execute(spec, batch.commands[0], ks, out);
    try {
      ks.commit(1, ++index);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return complete(out.toByteArray());
  }

  @Override
  public CompletableFuture<byte[]> read(byte[][] argv) {
    return complete(sm.read(new byte[][][] {argv}).get(0));
  }

  private CompletableFuture<byte[]> complete(byte[] reply) {
    replies.add(reply);
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    if (random.nextDouble() < deferProbability) {
      deferred.add(() -> f.complete(reply));
    } else {
      f.complete(reply);
    }
    return f;
  }

  /** Completes every held-back reply, in a random order; true if there were any. */
  public boolean releaseDeferred() {
    if (deferred.isEmpty()) {
      return false;
    }
    List<Runnable> all = new ArrayList<>(deferred);
    deferred.clear();
    java.util.Collections.shuffle(all, random);
    all.forEach(Runnable::run);
    return true;
  }

  @Override
  public boolean overloaded() {
    return overload;
  }

  @Override
  public String info(List<String> sections, ServerStats stats) {
    return "# Raft\r\nraft_role:leader\r\n";
  }
}
