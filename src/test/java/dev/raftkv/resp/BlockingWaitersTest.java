package dev.raftkv.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.command.BlockingCommands;
import dev.raftkv.command.Commands;
import dev.raftkv.protocol.RespOut;
import dev.raftkv.raft.PendingKeyspace;
import dev.raftkv.store.Key;
import dev.raftkv.store.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The waiters against a real store and a single-threaded "log" that applies writes in order and
 * tells the waiters which keys each one changed, as the state machine does: FIFO wake-ups, the
 * timeout racing an attempt in flight, cancellation, CLIENT UNBLOCK, and attempts that found no
 * leader.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BlockingWaitersTest {
  private final MemoryStore store = new MemoryStore();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService log = Executors.newSingleThreadExecutor();
  private final ExecutorService delays = Executors.newCachedThreadPool();
  private long index;
  /** Called before each attempt is proposed: null (propose now) or a reply instead of the write. */
  private volatile Function<byte[][], byte[]> intercept = a -> null;
  /** Attempts wait for this before they are applied. */
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private final BlockingWaiters waiters = new BlockingWaiters("test", this::attempt);

  @AfterEach
  void stop() {
    loop.shutdownNow();
    log.shutdownNow();
    delays.shutdownNow();
  }

  private static byte[][] argv(String... a) {
    byte[][] r = new byte[a.length][];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i].getBytes(StandardCharsets.UTF_8);
    }
    return r;
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** One log entry: applied to the store, then the waiters learn the keys it changed. */
  private byte[] apply(byte[][] a) {
    PendingKeyspace ks = new PendingKeyspace(store, 1);
    RespOut out = new RespOut();
    Commands.execute(Commands.lookup(a[0]), a, ks, out);
    Set<Key> changed = ks.changedKeys() == null ? null : new HashSet<>(ks.changedKeys());
    try {
      ks.commit(1, ++index);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (changed == null || !changed.isEmpty()) {
      waiters.keysChanged(changed);
    }
    return out.toByteArray();
  }

  private CompletableFuture<byte[]> attempt(byte[][] a) {
    byte[] instead = intercept.apply(a);
    if (instead != null) {
      return CompletableFuture.completedFuture(instead);
    }
    CountDownLatch g = gate;
    return CompletableFuture.runAsync(() -> {
      try {
        g.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, delays).thenApplyAsync(x -> apply(a), log);
  }

  /**
   * {@link #block}, then waits until its first attempt (nothing to pop yet) is applied: the
   * attempt passes through another executor before the log, so without this a write the test
   * makes next could be applied first and the first attempt would pop what it pushed.
   */
  private BlockingWaiters.Waiter blockApplied(long timeoutMs, String... command) throws Exception {
    long before = applied();
    BlockingWaiters.Waiter w = block(timeoutMs, command);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (applied() <= before) {
      assertTrue(System.nanoTime() < deadline, "the first attempt was never applied");
      Thread.sleep(5);
    }
    return w;
  }

  /** How many entries the "log" has applied (read on its own thread). */
  private long applied() throws Exception {
    return CompletableFuture.supplyAsync(() -> index, log).get(10, TimeUnit.SECONDS);
  }

  private String write(String... a) throws Exception {
    return str(CompletableFuture.supplyAsync(() -> apply(argv(a)), log).get(10, TimeUnit.SECONDS));
  }

  private BlockingWaiters.Waiter block(long timeoutMs, String... command) throws Exception {
    byte[][] sent = argv(command);
    byte[][] logged = Commands.lookup(sent[0]).normalizer().normalize(sent, 0);
    BlockingWaiters.Waiter w = CompletableFuture.supplyAsync(() -> waiters.block(logged,
        BlockingCommands.wakeForm(logged), BlockingCommands.wakeKeys(logged), timeoutMs, loop), loop)
        .get(10, TimeUnit.SECONDS);
    settle();
    return w;
  }

  /** Lets every attempt under way reach the log and its answer come back. */
  private void settle() throws Exception {
    for (int i = 0; i < 3; i++) {
      loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
      log.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }
  }

  private static String reply(BlockingWaiters.Waiter w) throws Exception {
    return str(w.result().get(10, TimeUnit.SECONDS));
  }

  /**
   * INFO's blocked_clients counts a client once its command found nothing, as Redis does: while
   * its first attempt is still on its way through the log it is not counted, so a client that
   * pushes once it sees the count never races that attempt.
   */
  @Test
  void aClientCountsAsBlockedOnceItsFirstAttemptFoundNothing() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    gate = held;
    BlockingWaiters.Waiter w = block(0, "BLPOP", "q", "0");
    assertEquals(0, waiters.blockedClients(), "the first attempt is not applied yet");
    held.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (waiters.blockedClients() == 0) {
      assertTrue(System.nanoTime() < deadline, "never counted as blocked");
      Thread.sleep(5);
    }
    assertEquals(1, waiters.blockedClients());
    BlockingWaiters.Waiter behind = block(0, "BLPOP", "q", "0");
    assertEquals(2, waiters.blockedClients(), "queued behind a blocked client: blocked at once");
    write("RPUSH", "q", "a", "b");
    assertEquals("*2\r\n$1\r\nq\r\n$1\r\na\r\n", reply(w));
    assertEquals("*2\r\n$1\r\nq\r\n$1\r\nb\r\n", reply(behind));
    assertEquals(0, waiters.blockedClients());
  }

  @Test
  void waitersOfOneKeyAreServedInTheOrderTheyBlocked() throws Exception {
    List<BlockingWaiters.Waiter> ws = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ws.add(block(0, "BLPOP", "q", "0"));
    }
    assertEquals(5, waiters.blockedClients());
    assertFalse(ws.get(0).result().isDone());
    assertEquals(":5\r\n", write("RPUSH", "q", "a", "b", "c", "d", "e"));
    String[] expected = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++) {
      assertEquals("*2\r\n$1\r\nq\r\n$1\r\n" + expected[i] + "\r\n", reply(ws.get(i)), "waiter " + i);
    }
    assertEquals(0, waiters.blockedClients());
    assertNull(store.get(argv("q")[0]));
  }

  @Test
  void morePushesThanWaitersLeaveTheRestAndFewerServeTheFirst() throws Exception {
    BlockingWaiters.Waiter first = block(0, "BRPOP", "a", "b", "0");
    BlockingWaiters.Waiter second = block(0, "BLMOVE", "b", "dst", "LEFT", "RIGHT", "0");
    BlockingWaiters.Waiter third = block(0, "BLPOP", "b", "0");
    write("RPUSH", "b", "x");
    assertEquals("*2\r\n$1\r\nb\r\n$1\r\nx\r\n", reply(first));
    settle();
    assertFalse(second.result().isDone());
    assertFalse(third.result().isDone());
    write("RPUSH", "b", "y", "z");
    assertEquals("$1\r\ny\r\n", reply(second));
    assertEquals("*2\r\n$1\r\nb\r\n$1\r\nz\r\n", reply(third));
    assertEquals("*1\r\n$1\r\ny\r\n", write("LRANGE", "dst", "0", "-1"));
  }

  @Test
  void aTimeoutAnswersNullAndAnAttemptInFlightAtTheTimeoutKeepsWhatItPopped() throws Exception {
    BlockingWaiters.Waiter w = block(100, "BLPOP", "t", "0");
    assertEquals("*-1\r\n", reply(w));
    assertEquals(0, waiters.blockedClients());

    BlockingWaiters.Waiter slow = blockApplied(300, "BZPOPMIN", "z", "0");
    gate = new CountDownLatch(1); // the next attempt is held until the timeout has passed
    write("ZADD", "z", "1", "m");
    Thread.sleep(600);
    assertFalse(slow.result().isDone(), "the attempt in flight decides");
    gate.countDown();
    assertEquals("*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n", reply(slow), "the popped member is delivered");
    assertEquals(0, waiters.blockedClients());
  }

  @Test
  void aCancelledWaiterTakesNothingAndUnblockAnswersAtOnce() throws Exception {
    BlockingWaiters.Waiter gone = block(0, "BLPOP", "c", "0");
    BlockingWaiters.Waiter stays = block(0, "BLPOP", "d", "0");
    waiters.cancel(gone);
    assertEquals(1, waiters.blockedClients());
    write("RPUSH", "c", "kept");
    settle();
    assertEquals("*1\r\n$4\r\nkept\r\n", write("LRANGE", "c", "0", "-1"));
    assertFalse(gone.result().isDone());
    byte[] unblocked = RespOut.errorBytes("UNBLOCKED client unblocked via CLIENT UNBLOCK");
    assertTrue(waiters.expire(stays, unblocked));
    assertFalse(waiters.expire(stays, unblocked), "only once");
    assertEquals(str(unblocked), reply(stays));
    assertEquals(0, waiters.blockedClients());
  }

  @Test
  void anAttemptThatFoundNoLeaderIsRetriedAndOneWithAnUnknownOutcomeIsReported() throws Exception {
    AtomicInteger refused = new AtomicInteger();
    intercept = a -> refused.incrementAndGet() <= 3
        ? RespOut.errorBytes("CLUSTERDOWN no Raft leader is reachable; the command was not applied") : null;
    BlockingWaiters.Waiter w = block(0, "BLPOP", "r", "0");
    write("RPUSH", "r", "v");
    assertEquals("*2\r\n$1\r\nr\r\n$1\r\nv\r\n", reply(w));
    assertTrue(refused.get() >= 4, "retried after CLUSTERDOWN");

    intercept = a -> null;
    BlockingWaiters.Waiter u = blockApplied(0, "BLPOP", "u", "0");
    byte[] unknown = RespOut.errorBytes("TIMEOUT the outcome of this write is unknown");
    intercept = a -> unknown;
    write("RPUSH", "u", "e");
    assertEquals(str(unknown), reply(u), "the honest reply when the outcome is unknown");
    assertNotNull(store.get(argv("u")[0]));
  }
}
