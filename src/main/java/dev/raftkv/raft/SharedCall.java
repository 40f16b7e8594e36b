package dev.raftkv.raft;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One asynchronous call at a time, shared by its callers: a caller that arrives while a call is
 * out gets the result of the next one, which starts when the current one ends. So every caller's
 * result comes from a call that started after it asked (what a read index must be), and one call
 * serves everyone who arrived during the one before.
 */
final class SharedCall<T> {
  private final Supplier<CompletableFuture<T>> call;
  private CompletableFuture<T> running;
  private CompletableFuture<T> next;

  SharedCall(Supplier<CompletableFuture<T>> call) {
    this.call = call;
  }

  CompletableFuture<T> get() {
    CompletableFuture<T> start = null;
    CompletableFuture<T> result;
    synchronized (this) {
      if (running == null) {
        running = new CompletableFuture<>();
        start = running;
        result = running;
      } else {
        if (next == null) {
          next = new CompletableFuture<>();
        }
        result = next;
      }
    }
    if (start != null) {
      start(start);
    }
    return result;
  }

  private void start(CompletableFuture<T> result) {
    CompletableFuture<T> outcome;
    try {
      outcome = call.get();
    } catch (RuntimeException e) {
      outcome = CompletableFuture.failedFuture(e);
    }
    outcome.whenComplete((v, e) -> {
      CompletableFuture<T> following;
      synchronized (this) {
        running = next;
        next = null;
        following = running;
      }
      if (following != null) {
        start(following); // first: everyone it serves arrived before this call ended
      }
      if (e != null) {
        result.completeExceptionally(e);
      } else {
        result.complete(v);
      }
    });
  }
}
