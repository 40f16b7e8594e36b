package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ListAppendCheckerTest {
  private static final Op.F W = Op.F.WRITE;
  private static final Op.F R = Op.F.READ;

  /** e1 and e2 acknowledged, e3 unknown, e4 failed; reads grow by prefix. */
  private static Hist valid() {
    return new Hist()
        .inv(0, 1, W, "l", "e1").ok(1, 1, W, "l", 1L)
        .inv(2, 2, R, "l", null).ok(3, 2, R, "l", List.of("e1"))
        .inv(4, 1, W, "l", "e2").ok(5, 1, W, "l", 2L)
        .inv(6, 3, W, "l", "e3").info(7, 3, W, "l", "e3")
        .inv(8, 4, W, "l", "e4").fail(9, 4, W, "l", "e4")
        .inv(10, 2, R, "l", null).ok(11, 2, R, "l", List.of("e1", "e2"))
        .inv(12, 2, R, "l", null).ok(13, 2, R, "l", List.of("e1", "e2", "e3"));
  }

  @Test
  void growingPrefixesWithEveryAcknowledgedAppendAreValid() {
    ListAppendChecker.Result r = new ListAppendChecker().check(valid().ops());
    assertTrue(r.valid(), r.report());
    assertEquals(3, r.reads());
    assertEquals(2, r.acknowledged());
    assertEquals(1, r.unknown());
    assertEquals(1, r.failed());
  }

  @Test
  void aStaleReadIsReported() {
    Hist h = valid().inv(20, 5, R, "l", null).ok(21, 5, R, "l", List.of("e1"));
    ListAppendChecker.Result r = new ListAppendChecker().check(h.ops());
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("stale read") || r.report().contains("missing"), r.report());
  }

  @Test
  void aLostAcknowledgedAppendIsReported() {
    Hist h = new Hist()
        .inv(0, 1, W, "l", "e1").ok(1, 1, W, "l", 1L)
        .inv(2, 2, R, "l", null).ok(3, 2, R, "l", List.of());
    ListAppendChecker.Result r = new ListAppendChecker().check(h.ops());
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("missing from a later read"), r.report());
  }

  @Test
  void readsThatAreNotPrefixesOfEachOtherAreReported() {
    Hist h = new Hist()
        .inv(0, 1, W, "l", "e1").inv(0, 2, W, "l", "e2")
        .info(10, 1, W, "l", "e1").info(10, 2, W, "l", "e2")
        .inv(1, 3, R, "l", null).ok(2, 3, R, "l", List.of("e1"))
        .inv(1, 4, R, "l", null).ok(2, 4, R, "l", List.of("e2"));
    ListAppendChecker.Result r = new ListAppendChecker().check(h.ops());
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("not prefixes"), r.report());
  }

  @Test
  void duplicatesInventedFailedAndMisplacedElementsAreReported() {
    Hist h = new Hist()
        .inv(0, 1, W, "l", "e1").ok(1, 1, W, "l", 2L)
        .inv(2, 2, W, "l", "e2").fail(3, 2, W, "l", "e2")
        .inv(4, 3, R, "l", null).ok(5, 3, R, "l", List.of("e1", "e1", "e2", "zz"));
    ListAppendChecker.Result r = new ListAppendChecker().check(h.ops());
    assertFalse(r.valid(), r.report());
    String s = r.report();
    assertTrue(s.contains("duplicate element e1"), s);
    assertTrue(s.contains("invented element zz"), s);
    assertTrue(s.contains("of a failed append is visible"), s);
    assertTrue(s.contains("answered length 2"), s);
  }
}
