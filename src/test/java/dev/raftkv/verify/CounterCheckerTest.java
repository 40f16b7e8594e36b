package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CounterCheckerTest {

  private static final Op.F I = Op.F.INCR;
  private static final Op.F R = Op.F.READ;

  private static Hist incr(Hist h, int p, String k, long d, long t0, long t1, long returned) {
    return h.inv(t0, p, I, k, d).ok(t1, p, I, k, returned);
  }

  @Test
  void exactSequentialCountsAreValid() {
    Hist h = new Hist();
    incr(h, 1, "c", 2, 0, 1, 2);
    incr(h, 1, "c", 3, 2, 3, 5);
    h.read(2, "c", "5", 4, 5);
    CounterChecker.Result r = new CounterChecker().check(h.ops());
    assertTrue(r.valid(), r.report());
  }

  @Test
  void unknownIncrementsWidenTheRange() {
    Hist h = new Hist();
    incr(h, 1, "c", 2, 0, 1, 2);
    h.inv(2, 2, I, "c", 10L).info(3, 2, I, "c", 10L);
    h.inv(4, 3, I, "c", 7L).fail(5, 3, I, "c", 7L);
    h.read(1, "c", "12", 6, 7);
    assertTrue(new CounterChecker().check(h.ops()).valid());
    Hist h2 = new Hist();
    incr(h2, 1, "c", 2, 0, 1, 2);
    h2.inv(2, 2, I, "c", 10L).info(3, 2, I, "c", 10L);
    h2.read(1, "c", "2", 6, 7);
    assertTrue(new CounterChecker().check(h2.ops()).valid());
  }

  @Test
  void lostIncrementIsDetected() {
    Hist h = new Hist();
    incr(h, 1, "c", 2, 0, 1, 2);
    incr(h, 2, "c", 3, 2, 3, 5);
    h.read(1, "c", "2", 4, 5);
    CounterChecker.Result r = new CounterChecker().check(h.ops());
    assertFalse(r.valid());
    System.out.println(r.report());
  }

  @Test
  void appliedFailedIncrementIsDetected() {
    Hist h = new Hist();
    incr(h, 1, "c", 2, 0, 1, 2);
    h.inv(2, 2, I, "c", 7L).fail(3, 2, I, "c", 7L);
    h.read(1, "c", "9", 4, 5);
    assertFalse(new CounterChecker().check(h.ops()).valid());
  }

  @Test
  void doubleAppliedIncrementIsDetectedInTheReturnedValue() {
    Hist h = new Hist();
    incr(h, 1, "c", 2, 0, 1, 2);
    incr(h, 1, "c", 3, 2, 3, 8); // applied twice: 2 + 3 + 3
    assertFalse(new CounterChecker().check(h.ops()).valid());
  }

  @Test
  void missingKeyReadsAsZero() {
    Hist h = new Hist();
    h.read(1, "c", null, 0, 1);
    incr(h, 1, "c", 1, 2, 3, 1);
    assertTrue(new CounterChecker().check(h.ops()).valid());
  }

  @Test
  void readConcurrentWithIncrementMaySeeEither() {
    Hist h = new Hist();
    h.inv(0, 1, I, "c", 4L);
    h.inv(1, 2, R, "c", null).ok(2, 2, R, "c", "4");
    h.inv(3, 3, R, "c", null).ok(4, 3, R, "c", "0");
    h.ok(5, 1, I, "c", 4L);
    assertTrue(new CounterChecker().check(h.ops()).valid());
  }
}
