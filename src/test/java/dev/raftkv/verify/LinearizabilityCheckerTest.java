package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raftkv.verify.LinearizabilityChecker.Result;
import dev.raftkv.verify.LinearizabilityChecker.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LinearizabilityCheckerTest {

  private static final Op.F R = Op.F.READ;
  private static final Op.F W = Op.F.WRITE;

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  private Result check(Hist h) {
    return checker.check(h.ops());
  }

  private void assertValid(Hist h) {
    Result r = check(h);
    assertEquals(Verdict.LINEARIZABLE, r.verdict(), r.report());
  }

  private Result assertInvalid(Hist h) {
    Result r = check(h);
    assertEquals(Verdict.NOT_LINEARIZABLE, r.verdict(), r.report());
    System.out.println(r.report());
    return r;
  }

  @Test
  void sequentialWritesAndReadsAreLinearizable() {
    assertValid(new Hist()
        .read(1, "k", null, 0, 1)
        .write(1, "k", "a", 2, 3)
        .read(2, "k", "a", 4, 5)
        .write(2, "k", "b", 6, 7)
        .read(1, "k", "b", 8, 9));
  }

  @Test
  void staleReadAfterAcknowledgedOverwriteIsDetected() {
    Result r = assertInvalid(new Hist()
        .write(1, "k", "a", 0, 1)
        .write(1, "k", "b", 2, 3)
        .read(2, "k", "a", 4, 5));
    assertTrue(r.report().contains("READ k a"), r.report());
  }

  @Test
  void lostWriteIsDetected() {
    // The write of a was acknowledged, but a later read sees the key missing.
    assertInvalid(new Hist()
        .write(1, "k", "a", 0, 1)
        .read(2, "k", null, 2, 3));
  }

  @Test
  void readOfANeverWrittenValueIsDetected() {
    Result r = assertInvalid(new Hist()
        .write(1, "k", "a", 0, 1)
        .read(2, "k", "zzz", 2, 3));
    assertTrue(r.report().contains("never written"), r.report());
  }

  @Test
  void readOfAFailedWriteIsDetected() {
    // A definite failure (CLUSTERDOWN) must not take effect.
    assertInvalid(new Hist()
        .write(1, "k", "a", 0, 1)
        .inv(2, 2, W, "k", "b").fail(3, 2, W, "k", "b")
        .read(1, "k", "b", 4, 5));
  }

  @Test
  void unknownWriteMayAppearLater() {
    // The write of b timed out; much later a read sees it. Valid: it took effect late.
    assertValid(new Hist()
        .write(1, "k", "a", 0, 1)
        .inv(2, 2, W, "k", "b").info(3, 2, W, "k", "b")
        .read(1, "k", "a", 10, 11)
        .read(1, "k", "b", 20, 21)
        .read(3, "k", "b", 30, 31));
  }

  @Test
  void unknownWriteMayNeverHappen() {
    assertValid(new Hist()
        .write(1, "k", "a", 0, 1)
        .inv(2, 2, W, "k", "b").info(3, 2, W, "k", "b")
        .read(1, "k", "a", 10, 11));
  }

  @Test
  void unknownWriteCannotTakeEffectBeforeItsInvocation() {
    assertInvalid(new Hist()
        .write(1, "k", "a", 0, 1)
        .read(2, "k", "b", 2, 3)
        .inv(4, 3, W, "k", "b").info(5, 3, W, "k", "b"));
  }

  @Test
  void unknownWriteSeenThenUnseenIsDetected() {
    // Once b has been read, a read of the older a (with no new write of a) is stale.
    assertInvalid(new Hist()
        .write(1, "k", "a", 0, 1)
        .inv(2, 2, W, "k", "b").info(3, 2, W, "k", "b")
        .read(1, "k", "b", 10, 11)
        .read(3, "k", "a", 12, 13));
  }

  @Test
  void concurrentReadMaySeeEitherValue() {
    // Read overlaps the write: old or new value are both fine.
    assertValid(new Hist()
        .write(1, "k", "a", 0, 1)
        .inv(2, 2, W, "k", "b")
        .inv(3, 3, R, "k", null)
        .ok(4, 3, R, "k", "a")
        .inv(5, 4, R, "k", null)
        .ok(6, 4, R, "k", "b")
        .ok(7, 2, W, "k", "b"));
  }

  @Test
  void concurrentReadsMustAgreeOnOneOrder() {
    // Two overlapping writes b and c; reader 3 sees b then c, reader 4 sees c then b, each pair
    // sequential and after both writes completed: impossible.
    assertInvalid(new Hist()
        .inv(0, 1, W, "k", "b")
        .inv(0, 2, W, "k", "c")
        .ok(2, 1, W, "k", "b")
        .ok(2, 2, W, "k", "c")
        .read(3, "k", "b", 3, 4)
        .read(3, "k", "c", 5, 6));
  }

  @Test
  void overlappingWritesEitherOrder() {
    assertValid(new Hist()
        .inv(0, 1, W, "k", "b")
        .inv(1, 2, W, "k", "c")
        .ok(5, 1, W, "k", "b")
        .ok(6, 2, W, "k", "c")
        .read(3, "k", "b", 7, 8));
  }

  @Test
  void newerValueThenOlderValueWhileWriteInFlightIsDetected() {
    // While write b is in flight, one read sees b and a later (non-overlapping) read sees a.
    assertInvalid(new Hist()
        .write(1, "k", "a", 0, 1)
        .inv(2, 2, W, "k", "b")
        .read(3, "k", "b", 3, 4)
        .read(4, "k", "a", 5, 6)
        .ok(10, 2, W, "k", "b"));
  }

  @Test
  void failedReadsAreIgnored() {
    assertValid(new Hist()
        .write(1, "k", "a", 0, 1)
        .inv(2, 2, R, "k", null).fail(3, 2, R, "k", null)
        .inv(4, 3, R, "k", null).info(5, 3, R, "k", null)
        .read(1, "k", "a", 6, 7));
  }

  @Test
  void keysAreIndependent() {
    assertValid(new Hist()
        .write(1, "x", "a", 0, 1)
        .write(1, "y", "b", 2, 3)
        .read(2, "x", "a", 4, 5)
        .read(3, "y", "b", 4, 5));
    Result r = assertInvalid(new Hist()
        .write(1, "x", "a", 0, 1)
        .write(1, "y", "b", 2, 3)
        .read(2, "x", "b", 4, 5));
    assertEquals(1, r.failures().size());
    assertEquals("x", r.failures().get(0).key());
  }

  @Test
  void runEndingWithOperationsInFlightIsHandled() {
    assertValid(new Hist()
        .write(1, "k", "a", 0, 1)
        .inv(2, 2, W, "k", "b")
        .read(3, "k", "b", 3, 4));
  }

  /**
   * A simulated linearizable register with many concurrent clients and unknown outcomes: the
   * checker must accept it, and quickly; then one read is corrupted into a stale value and the
   * checker must reject it.
   */
  @Test
  void largeRandomLinearizableHistoryIsAcceptedAndAStaleReadInItIsFound() {
    Random rnd = new Random(42);
    int processes = 8;
    int opsPerKey = 2000;
    List<Op> events = simulate(rnd, processes, opsPerKey, "big");
    long t0 = System.nanoTime();
    Result r = checker.check(events);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(Verdict.LINEARIZABLE, r.verdict(), r.report());
    System.out.println("checked " + r.operations() + " operations in " + ms + " ms");
    assertTrue(ms < 20_000, "too slow: " + ms + " ms");

    // Corrupt: find an ok read that returned some value v after which a later non-overlapping
    // write w completed and a later read started; make that later read return v.
    List<Operation> ops = History.complete(events);
    Operation staleTarget = null;
    String staleValue = null;
    for (int i = 0; i < ops.size() && staleTarget == null; i++) {
      Operation w1 = ops.get(i);
      if (w1.f() != W || !w1.ok()) {
        continue;
      }
      for (int j = i + 1; j < ops.size() && staleTarget == null; j++) {
        Operation w2 = ops.get(j);
        if (w2.f() == W && w2.ok() && w2.start() > w1.end()) {
          for (int k = j + 1; k < ops.size(); k++) {
            Operation rd = ops.get(k);
            if (rd.f() == R && rd.ok() && rd.start() > w2.end()) {
              staleTarget = rd;
              staleValue = (String) w1.input();
              break;
            }
          }
        }
      }
    }
    List<Op> corrupted = new ArrayList<>();
    for (Op e : events) {
      if (e == staleTarget.complete()) {
        corrupted.add(new Op(e.index(), e.process(), e.type(), e.f(), e.key(), staleValue,
            e.nanos(), e.node(), e.error()));
      } else {
        corrupted.add(e);
      }
    }
    Result bad = checker.check(corrupted);
    assertEquals(Verdict.NOT_LINEARIZABLE, bad.verdict(), bad.report());
    System.out.println(bad.report());
  }

  /** Simulates clients on one atomic register: each op takes effect at a random instant. */
  static List<Op> simulate(Random rnd, int processes, int ops, String key) {
    // Event-driven: each process alternates invoke / complete; the effect happens at invoke.
    List<Op> events = new ArrayList<>();
    String value = null;
    long t = 0;
    int[] pending = new int[processes]; // 0 idle, 1 pending write, 2 pending read
    String[] pendingValue = new String[processes];
    boolean[] applied = new boolean[processes];
    int seq = 0;
    int issued = 0;
    while (issued < ops || anyPending(pending)) {
      t += 1 + rnd.nextInt(3);
      int p = rnd.nextInt(processes);
      if (pending[p] == 0) {
        if (issued >= ops) {
          continue;
        }
        issued++;
        if (rnd.nextBoolean()) {
          String v = "v" + (seq++);
          events.add(new Op(0, p, Op.Type.INVOKE, W, key, v, t, null, null));
          pending[p] = 1;
          pendingValue[p] = v;
        } else {
          events.add(new Op(0, p, Op.Type.INVOKE, R, key, null, t, null, null));
          pending[p] = 2;
        }
        applied[p] = false;
      } else if (!applied[p]) {
        // Take effect now.
        applied[p] = true;
        if (pending[p] == 1) {
          value = pendingValue[p];
        } else {
          pendingValue[p] = value;
        }
      } else {
        if (pending[p] == 1 && rnd.nextInt(20) == 0) {
          events.add(new Op(0, p, Op.Type.INFO, W, key, pendingValue[p], t, null, "TIMEOUT"));
        } else {
          events.add(new Op(0, p, Op.Type.OK, pending[p] == 1 ? W : R, key, pendingValue[p], t,
              null, null));
        }
        pending[p] = 0;
      }
    }
    return events;
  }

  private static boolean anyPending(int[] pending) {
    for (int x : pending) {
      if (x != 0) {
        return true;
      }
    }
    return false;
  }
}
