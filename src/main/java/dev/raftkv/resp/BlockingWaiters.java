package dev.raftkv.resp;

import dev.raftkv.store.Key;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients of this peer blocked in BLPOP, BLMOVE, BZPOPMIN, ... (node-wide; one per Raft
 * group). A blocked client never holds a thread: it is a {@link Waiter} queued on each of its
 * keys, in the order the clients blocked, and its reply slot stays pending.
 *
 * <p>Every attempt to pop is an ordinary write through the log (the command's non-blocking form),
 * so each element goes to exactly one client and a retried attempt is never applied twice. An
 * attempt that finds nothing answers a null, which this class reads as "would block": the waiter
 * goes back to the front of its queues. When this peer applies an entry that changed a key with
 * waiters ({@link #keysChanged}, called from the state machine's apply thread), the key becomes
 * <em>dirty</em>, and the first waiter of a dirty key makes a new attempt; while an attempt is in
 * flight no other waiter of its keys makes one (FIFO, no thundering herd), and a change applied
 * meanwhile leaves the key dirty, so the next waiter tries once the attempt has answered. A new
 * client makes its first attempt at once, unless one of its keys has an attempt in flight, in
 * which case it waits for that attempt's outcome first, or every one of its keys already has
 * waiters (then they are empty as far as this peer knows, and it just queues behind them).
 *
 * <p>Every change applied after an attempt's own log position reaches this peer's apply thread
 * after the waiter was registered (it is registered before its first attempt is proposed), so no
 * push is missed, on a follower as on the leader.
 *
 * <p>The timeout is only this peer's: when it passes, a waiting client gets the null reply;
 * when an attempt is in flight then, its outcome decides (a popped element is never dropped). An
 * attempt answered {@code CLUSTERDOWN} (certainly not applied) is retried every 200 ms until the
 * timeout; any other reply (an element, WRONGTYPE, {@code TIMEOUT} for an unknown outcome) goes
 * to the client. A client that disconnects is removed; if its attempt was in flight and popped,
 * that element leaves with the connection, as in Redis (BLMOVE's is safe in its destination).
 *
 * <p>Thread-safe: one lock guards the queues, held only for bookkeeping. Attempts are proposed
 * and replies completed outside it; attempts are proposed on the client's own event loop.
 */
public final class BlockingWaiters {
  private static final Logger LOG = LoggerFactory.getLogger(BlockingWaiters.class);
  /** What a timed-out blocking command answers (RESP2; RESP3 clients get {@code _}). */
  static final byte[] TIMED_OUT = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NIL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final long RETRY_MS = 200;

  private enum State { IN_FLIGHT, WAITING, DONE }

  /** One blocked command of one client. */
  public static final class Waiter {
    final byte[][] argv;
    final byte[][] wakeArgv;
    final List<Key> keys;
    final ScheduledExecutorService loop;
    final CompletableFuture<byte[]> result = new CompletableFuture<>();
    State state = State.WAITING;
    boolean fresh = true; // has not made its first attempt yet
    /** Counted in {@link #blockedClients}: an attempt of it found nothing (it really waits). */
    boolean counted;
    /** Set when the timeout passed or CLIENT UNBLOCK came: the reply unless an attempt pops. */
    byte[] expired;
    boolean cancelled;
    ScheduledFuture<?> timer;

    Waiter(byte[][] argv, byte[][] wakeArgv, List<Key> keys, ScheduledExecutorService loop) {
      this.argv = argv;
      this.wakeArgv = wakeArgv;
      this.keys = keys;
      this.loop = loop;
    }

    /** Completes with the client's reply: popped data, an error, or {@link #TIMED_OUT}. */
    public CompletableFuture<byte[]> result() {
      return result;
    }
  }

  /** The waiters of one key, in the order they blocked, and how many have an attempt in flight. */
  private static final class Queue {
    final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    int inFlight;
  }

  private final String peerName;
  private final Function<byte[][], CompletableFuture<byte[]>> writer;
  private final HashMap<Key, Queue> queues = new HashMap<>();
  private final LinkedHashSet<Key> dirty = new LinkedHashSet<>();
  private final ArrayList<Waiter> fresh = new ArrayList<>();
  private volatile int blocked;
  /** The waiters counted in {@link #blockedClients}. */
  private volatile int counted;

  /** {@code writer} proposes a write through this group's log (the gateway's write path). */
  public BlockingWaiters(String peerName, Function<byte[][], CompletableFuture<byte[]>> writer) {
    this.peerName = peerName;
    this.writer = writer;
  }

  /**
   * How many clients are blocked (INFO clients {@code blocked_clients}): like Redis, a client
   * counts once its command found nothing to pop, not while its first attempt is still on its
   * way through the log (a client that pushes once it sees the count, as Redis's test suite
   * does, would otherwise race that attempt, which could then pop the push or meet a key of
   * another type and answer WRONGTYPE instead of staying blocked).
   */
  public int blockedClients() {
    return counted;
  }

  private void count(Waiter w) {
    if (!w.counted) {
      w.counted = true;
      counted++;
    }
  }

  /**
   * Blocks a client: {@code argv} is the normalized command (its first attempt), {@code wakeArgv}
   * the attempt after a wake-up, {@code keys} the keys whose changes may let it pop, {@code timeoutMs} 0 for no timeout. {@code loop} is the
   * client's event loop: attempts are proposed and the timeout runs there.
   */
  public Waiter block(byte[][] argv, byte[][] wakeArgv, List<byte[]> keys, long timeoutMs,
      ScheduledExecutorService loop) {
    LinkedHashSet<Key> distinct = new LinkedHashSet<>();
    for (byte[] k : keys) {
      distinct.add(new Key(k));
    }
    Waiter w = new Waiter(argv, wakeArgv, List.copyOf(distinct), loop);
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      boolean behindOthers = true;
      for (Key k : w.keys) {
        Queue q = queues.computeIfAbsent(k, x -> new Queue());
        behindOthers &= !q.waiters.isEmpty();
        q.waiters.addLast(w);
      }
      if (behindOthers) {
        // every key already has waiters, so as far as this peer has applied they are empty: no
        // first attempt (it could overtake them with a push not applied here yet); the client
        // waits its turn, as in Redis
        w.fresh = false;
        count(w); // nothing to pop as far as this peer knows: it waits at once
      } else {
        fresh.add(w);
      }
      blocked++;
      pump(after);
    }
    if (timeoutMs > 0) {
      w.timer = loop.schedule(() -> expire(w, TIMED_OUT), timeoutMs, TimeUnit.MILLISECONDS);
    }
    after.forEach(Runnable::run);
    return w;
  }

  /** The client disconnected (or was unblocked): it takes nothing more. */
  public void cancel(Waiter w) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (w.state == State.DONE) {
        return;
      }
      w.cancelled = true;
      if (w.state == State.WAITING) {
        remove(w);
        pump(after);
      }
    }
    after.forEach(Runnable::run);
  }

  /** An applied entry changed these keys (null: any key). Called on the apply thread. */
  public void keysChanged(Set<Key> keys) {
    if (blocked == 0) {
      return;
    }
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (keys == null) {
        dirty.addAll(queues.keySet());
      } else if (keys.size() < queues.size()) {
        for (Key k : keys) {
          if (queues.containsKey(k)) {
            dirty.add(k);
          }
        }
      } else {
        for (Key k : queues.keySet()) {
          if (keys.contains(k)) {
            dirty.add(k);
          }
        }
      }
      pump(after);
    }
    after.forEach(Runnable::run);
  }

  /**
   * The timeout passed, or CLIENT UNBLOCK: the client gets {@code reply} (unless an attempt in
   * flight pops something, which then wins). False when it had already been answered or expired.
   */
  public boolean expire(Waiter w, byte[] reply) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      if (w.state == State.DONE || w.expired != null || w.cancelled) {
        return false;
      }
      w.expired = reply;
      if (w.state == State.WAITING) {
        remove(w);
        after.add(() -> w.result.complete(reply));
        pump(after);
      }
    }
    after.forEach(Runnable::run);
    return true;
  }

  /** Starts the attempts that may run now; {@code after} gets what to do outside the lock. */
  private void pump(List<Runnable> after) {
    for (Key k : new ArrayList<>(dirty)) {
      Queue q = queues.get(k);
      if (q == null) {
        dirty.remove(k);
        continue;
      }
      if (q.inFlight > 0) {
        continue; // stays dirty: the next waiter tries once this attempt has answered
      }
      Waiter front = q.waiters.peekFirst();
      if (front.state == State.WAITING && !busy(front)) {
        submit(front, after);
      }
    }
    for (Waiter w : new ArrayList<>(fresh)) {
      if (!busy(w)) {
        submit(w, after);
      }
    }
  }

  /** True when one of the waiter's keys has an attempt in flight. */
  private boolean busy(Waiter w) {
    for (Key k : w.keys) {
      if (queues.get(k).inFlight > 0) {
        return true;
      }
    }
    return false;
  }

  private void submit(Waiter w, List<Runnable> after) {
    w.state = State.IN_FLIGHT;
    byte[][] attempt = w.fresh ? w.argv : w.wakeArgv;
    if (w.fresh) {
      w.fresh = false;
      fresh.remove(w);
    }
    for (Key k : w.keys) {
      queues.get(k).inFlight++;
      dirty.remove(k); // the attempt sees every change applied so far
    }
    after.add(() -> {
      try {
        w.loop.execute(this.attempt(w, attempt));
      } catch (RejectedExecutionException e) {
        attempted(w, RespOutErrors.CLOSING);
      }
    });
  }

  private Runnable attempt(Waiter w, byte[][] argv) {
    return () -> {
      CompletableFuture<byte[]> f;
      try {
        f = writer.apply(argv);
      } catch (RuntimeException e) {
        LOG.warn("{}: a blocked client's attempt could not be proposed: {}", peerName, e.toString());
        f = CompletableFuture.completedFuture(RespOutErrors.CLOSING);
      }
      f.whenComplete((reply, err) -> attempted(w,
          err == null ? reply : dev.raftkv.protocol.RespOut.errorBytes("ERR internal error: " + err)));
    };
  }

  /** An attempt answered. */
  private void attempted(Waiter w, byte[] reply) {
    List<Runnable> after = new ArrayList<>();
    synchronized (this) {
      for (Key k : w.keys) {
        queues.get(k).inFlight--;
      }
      w.state = State.WAITING;
      boolean nothing = Arrays.equals(reply, TIMED_OUT) || Arrays.equals(reply, NIL_BULK);
      boolean notApplied = startsWith(reply, "-CLUSTERDOWN");
      if (w.cancelled) {
        remove(w);
        if (!nothing && !notApplied && reply.length > 0 && reply[0] != '-') {
          LOG.debug("{}: a client disconnected while its blocking pop was in flight; the popped "
              + "data left with it", peerName);
        }
      } else if (nothing || notApplied) {
        count(w);
        if (w.expired != null) {
          remove(w);
          after.add(() -> w.result.complete(w.expired));
        } else if (notApplied) {
          // no leader now: the waiter stays first in line and tries again a little later
          after.add(() -> retryLater(w));
        }
        // otherwise it waits at the front of its queues; a change applied meanwhile left its
        // keys dirty, and the pump below tries again at once
      } else {
        remove(w);
        after.add(() -> w.result.complete(reply));
      }
      if (!nothing && !notApplied && reply.length > 0 && reply[0] == '-') {
        // an error (a destination of another type) took nothing: what woke this waiter is still
        // there, so the next waiter of its keys tries now (a pop wakes it through its own change)
        for (Key k : w.keys) {
          if (queues.containsKey(k)) {
            dirty.add(k);
          }
        }
      }
      pump(after);
    }
    after.forEach(Runnable::run);
  }

  private void retryLater(Waiter w) {
    try {
      w.loop.schedule(() -> {
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
          if (w.state != State.WAITING) {
            return;
          }
          dirty.addAll(w.keys);
          pump(after);
        }
        after.forEach(Runnable::run);
      }, RETRY_MS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      cancel(w);
      w.result.complete(RespOutErrors.CLOSING);
    }
  }

  private void remove(Waiter w) {
    w.state = State.DONE;
    if (w.fresh) {
      fresh.remove(w);
    }
    for (Key k : w.keys) {
      Queue q = queues.get(k);
      q.waiters.remove(w);
      if (q.waiters.isEmpty()) {
        queues.remove(k);
        dirty.remove(k);
      }
    }
    blocked--;
    if (w.counted) {
      counted--;
    }
    if (w.timer != null) {
      w.timer.cancel(false);
    }
  }

  private static boolean startsWith(byte[] reply, String prefix) {
    if (reply.length < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (reply[i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Replies of this class. */
  private static final class RespOutErrors {
    static final byte[] CLOSING = dev.raftkv.protocol.RespOut.errorBytes(
        "CLUSTERDOWN this peer is shutting down; the command was not applied");
  }
}
