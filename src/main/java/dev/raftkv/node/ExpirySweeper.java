package dev.raftkv.node;

import dev.raftkv.command.Commands;
import dev.raftkv.raft.RaftGateway;
import dev.raftkv.store.Store;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active expiry through the log. On the leader only (a follower never removes a key on its own,
 * so replicas cannot diverge), a timer looks up keys whose deadline has passed by the leader's
 * clock in the store's deadline index and proposes one internal write deleting them, through the
 * ordinary write path like a client write. Applying it deletes a key only if it is still expired
 * at the entry's time: one overwritten or given a new deadline meanwhile stays.
 *
 * <p>Rate limits: at most {@code keysPerEntry} keys per entry, at most one entry in flight, and at
 * most {@code entriesPerSecond} entries per second, so a large backlog of expired keys drains at
 * a bounded pace beside client writes instead of crowding them out.
 */
final class ExpirySweeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ExpirySweeper.class);

  private final String id;
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final Store store;
  private final RaftGateway gateway;
  private final int keysPerEntry;
  private final ScheduledExecutorService timer;
  private final AtomicLong proposed = new AtomicLong();
  private final AtomicLong deleted = new AtomicLong();
  private volatile boolean paused;
  private volatile boolean inFlight;

  ExpirySweeper(String id, RaftServer server, RaftGroupId groupId, Store store, RaftGateway gateway,
      int keysPerEntry, int entriesPerSecond) {
    this.id = id;
    this.server = server;
    this.groupId = groupId;
    this.store = store;
    this.gateway = gateway;
    this.keysPerEntry = keysPerEntry;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, id + "-expiry-sweeper");
      t.setDaemon(true);
      return t;
    });
    long periodMicros = Math.max(1, 1_000_000L / entriesPerSecond);
    timer.scheduleAtFixedRate(this::tick, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
  }

  /** Stops (or resumes) proposing; for tests and operators. */
  void setPaused(boolean paused) {
    this.paused = paused;
  }

  /** Keys deleted by entries this peer proposed (as the applied replies said). */
  long deletedKeys() {
    return deleted.get();
  }

  long proposedEntries() {
    return proposed.get();
  }

  private boolean isReadyLeader() {
    try {
      DivisionInfo info = server.getDivision(groupId).getInfo();
      return info.isLeader() && info.isLeaderReady();
    } catch (IOException e) {
      return false;
    }
  }

  private void tick() {
    try {
      if (paused || inFlight || !isReadyLeader()) {
        return;
      }
      List<byte[]> keys = store.expiredKeys(System.currentTimeMillis(), keysPerEntry);
      if (!keys.isEmpty()) {
        propose(keys);
      }
    } catch (RuntimeException e) {
      LOG.warn("{}: expiry sweep failed: {}", id, e.toString());
    }
  }

  /**
   * Proposes deleting these keys where they are still expired when the entry is applied; completes
   * with the RESP reply (the number deleted). At most one proposal is in flight.
   */
  CompletableFuture<byte[]> propose(List<byte[]> keys) {
    inFlight = true;
    proposed.incrementAndGet();
    return gateway.write(Commands.expiredKeysCommand(keys)).whenComplete((reply, error) -> {
      inFlight = false;
      if (error != null) {
        LOG.debug("{}: expiry entry failed: {}", id, error.toString());
      } else if (reply.length > 1 && reply[0] == ':') {
        deleted.addAndGet(Long.parseLong(new String(reply, 1, reply.length - 3,
            java.nio.charset.StandardCharsets.US_ASCII)));
      }
    });
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
