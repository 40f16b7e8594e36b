package dev.raftkv.raft;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;

/** Reads (and backups) waiting until a group's applied index reaches theirs. */
final class AppliedWaiters {
  private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiters = new ConcurrentSkipListMap<>();
  private final LongSupplier applied;

  AppliedWaiters(LongSupplier applied) {
    this.applied = applied;
  }

  /** Completes once everything up to {@code index} is applied (at once if it is). */
  CompletableFuture<Void> when(long index) {
    if (applied.getAsLong() >= index) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = waiters.computeIfAbsent(index, i -> new CompletableFuture<>());
    signal(); // the index may have been reached meanwhile
    return f;
  }

  /** Completes the waits the applied index has reached; called after every change of it. */
  void signal() {
    if (waiters.isEmpty()) {
      return;
    }
    long now = applied.getAsLong();
    Map.Entry<Long, CompletableFuture<Void>> e;
    while ((e = waiters.firstEntry()) != null && e.getKey() <= now) {
      if (waiters.remove(e.getKey(), e.getValue())) {
        e.getValue().complete(null);
      }
    }
  }
}
