package dev.raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SharedCallTest {
  private final List<CompletableFuture<Integer>> calls = new ArrayList<>();
  private final SharedCall<Integer> shared = new SharedCall<>(() -> {
    CompletableFuture<Integer> f = new CompletableFuture<>();
    calls.add(f);
    return f;
  });

  @Test
  void callersDuringACallShareTheNextOneWhichStartsWhenItEnds() {
    CompletableFuture<Integer> first = shared.get();
    assertEquals(1, calls.size());
    CompletableFuture<Integer> second = shared.get();
    CompletableFuture<Integer> third = shared.get();
    assertEquals(1, calls.size(), "no second call while one is out");

    calls.get(0).complete(10);
    assertEquals(10, first.join());
    assertFalse(second.isDone(), "a caller that arrived during a call never gets its result");
    assertEquals(2, calls.size(), "the next call started when the first ended");

    calls.get(1).complete(20);
    assertEquals(20, second.join());
    assertEquals(20, third.join());
    assertEquals(2, calls.size(), "nobody waiting: no third call");

    CompletableFuture<Integer> fourth = shared.get();
    assertEquals(3, calls.size(), "idle: a new caller starts a call at once");
    assertFalse(fourth.isDone());
  }

  @Test
  void aFailureFailsOnlyThatCallsCallersAndTheNextCallStillStarts() {
    CompletableFuture<Integer> first = shared.get();
    CompletableFuture<Integer> second = shared.get();
    calls.get(0).completeExceptionally(new IllegalStateException("lost"));
    assertTrue(first.isCompletedExceptionally());
    assertFalse(second.isDone());
    calls.get(1).complete(7);
    assertEquals(7, second.join());
  }
}
