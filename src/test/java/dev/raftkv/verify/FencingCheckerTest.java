package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FencingCheckerTest {
  private static final Op.F ACQ = Op.F.INCR;
  private static final Op.F W = Op.F.WRITE;
  private static final String LOCK = "lock";
  private static final String RES = "res";
  private static final String ACC = FencingChecker.ACCEPTED;
  private static final String REJ = FencingChecker.REJECTED;

  private static FencingChecker checker() {
    return new FencingChecker(LOCK, RES);
  }

  /**
   * p1 takes token 1, writes 1:a, releases. p2 finds the lock held. p3 takes token 2 and is
   * paused; its lease expires, p4 takes token 3 and writes 3:b; p3 wakes up and its 2:c is
   * rejected; p3 releases (no longer its lock: 0), p4 releases. p5's acquire is unknown (it took
   * token 4, nobody learned it), p6's failed.
   */
  private static Hist history() {
    return new Hist()
        .inv(0, 1, ACQ, LOCK, "o1").ok(1, 1, ACQ, LOCK, 1L)
        .inv(2, 1, W, RES, "1:a").ok(3, 1, W, RES, ACC)
        .inv(2, 2, ACQ, LOCK, "o2").ok(3, 2, ACQ, LOCK, null)
        .inv(4, 1, W, LOCK, "o1").ok(5, 1, W, LOCK, 1L)
        .inv(6, 3, ACQ, LOCK, "o3").ok(7, 3, ACQ, LOCK, 2L)
        .inv(8, 3, W, RES, "2:c")
        .inv(10, 4, ACQ, LOCK, "o4").ok(11, 4, ACQ, LOCK, 3L)
        .inv(12, 4, W, RES, "3:b").ok(13, 4, W, RES, ACC)
        .ok(20, 3, W, RES, REJ)
        .inv(21, 3, W, LOCK, "o3").ok(22, 3, W, LOCK, 0L)
        .inv(23, 4, W, LOCK, "o4").ok(24, 4, W, LOCK, 1L)
        .inv(25, 5, ACQ, LOCK, "o5").info(26, 5, ACQ, LOCK, "o5")
        .inv(27, 6, ACQ, LOCK, "o6").fail(28, 6, ACQ, LOCK, "o6");
  }

  private static Map<String, FencingChecker.FinalState> everywhere(Long fence, Long max,
      List<String> resource) {
    FencingChecker.FinalState s = new FencingChecker.FinalState(fence, max, resource);
    return Map.of("n1", s, "n2", s, "n3", s);
  }

  private static FencingChecker.Result check(Hist h, Map<String, FencingChecker.FinalState> f) {
    return checker().check(h.ops(), f);
  }

  @Test
  void aStaleHolderFencedOffIsValid() {
    FencingChecker.Result r = check(history(), everywhere(4L, 3L, List.of("1:a", "3:b")));
    assertTrue(r.valid(), r.report());
    assertEquals(3, r.acquired());
    assertEquals(1, r.busy());
    assertEquals(1, r.unknownAcquires());
    assertEquals(1, r.failedAcquires());
    assertEquals(2, r.accepted());
    assertEquals(1, r.rejected());
    assertEquals(3, r.releases());
    assertEquals(2, r.resourceLength());
    assertEquals(4, r.fence());
    // the unknown acquire may also not have happened
    assertTrue(check(history(), everywhere(3L, 3L, List.of("1:a", "3:b"))).valid());
  }

  @Test
  void anEmptyRunIsValid() {
    FencingChecker.Result r = checker().check(List.of(), everywhere(null, null, List.of()));
    assertTrue(r.valid(), r.report());
  }

  @Test
  void aTokenHandedOutTwiceOrOutOfRealTimeOrderIsReported() {
    Hist twice = history().inv(30, 7, ACQ, LOCK, "o7").ok(31, 7, ACQ, LOCK, 3L);
    FencingChecker.Result r = check(twice, everywhere(4L, 3L, List.of("1:a", "3:b")));
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("token 3 handed out twice"), r.report());
    assertTrue(r.report().contains("token 3 handed out after token 3"), r.report());

    Hist backwards = new Hist()
        .inv(0, 1, ACQ, LOCK, "o1").ok(1, 1, ACQ, LOCK, 2L)
        .inv(2, 2, ACQ, LOCK, "o2").ok(3, 2, ACQ, LOCK, 1L);
    FencingChecker.Result r2 = check(backwards, everywhere(2L, null, List.of()));
    assertFalse(r2.valid(), r2.report());
    assertTrue(r2.report().contains("token 1 handed out after token 2"), r2.report());

    Hist concurrent = new Hist()
        .inv(0, 1, ACQ, LOCK, "o1").inv(1, 2, ACQ, LOCK, "o2")
        .ok(2, 1, ACQ, LOCK, 2L).ok(3, 2, ACQ, LOCK, 1L);
    FencingChecker.Result r3 = check(concurrent, everywhere(2L, null, List.of()));
    assertTrue(r3.valid(), r3.report());
  }

  @Test
  void aStaleWriteThatGotThroughIsReported() {
    // p3's write with token 2 was accepted after token 3 had written: the fence failed
    Hist h = new Hist()
        .inv(0, 3, ACQ, LOCK, "o3").ok(1, 3, ACQ, LOCK, 2L)
        .inv(2, 4, ACQ, LOCK, "o4").ok(3, 4, ACQ, LOCK, 3L)
        .inv(4, 4, W, RES, "3:b").ok(5, 4, W, RES, ACC)
        .inv(6, 3, W, RES, "2:c").ok(7, 3, W, RES, ACC);
    FencingChecker.Result r = check(h, everywhere(3L, 2L, List.of("3:b", "2:c")));
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("token decreases on the resource at position 1"), r.report());
    FencingChecker.Result wrongMax = check(h, everywhere(3L, 3L, List.of("3:b", "2:c")));
    assertTrue(wrongMax.report().contains("highest token is 3 but its last write carries 2"),
        wrongMax.report());
    // and in the order real time dictates, too: the token check still catches it
    FencingChecker.Result r2 = check(h, everywhere(3L, 3L, List.of("2:c", "3:b")));
    assertFalse(r2.valid(), r2.report());
    assertTrue(r2.report().contains("resource order contradicts real time"), r2.report());
  }

  @Test
  void lostDuplicatedRejectedFailedAndPhantomWritesAreReported() {
    Hist h = history().inv(30, 8, ACQ, LOCK, "o8").ok(31, 8, ACQ, LOCK, 5L)
        .inv(32, 8, W, RES, "5:d").fail(33, 8, W, RES, "5:d");
    FencingChecker.Result r = check(h, everywhere(5L, 9L,
        List.of("1:a", "1:a", "2:c", "5:d", "9:x")));
    assertFalse(r.valid(), r.report());
    String rep = r.report();
    assertTrue(rep.contains("on the resource twice: 1:a"), rep);
    assertTrue(rep.contains("acknowledged accepted write lost: ") && rep.contains("3:b"), rep);
    assertTrue(rep.contains("on the resource although its write was rejected"), rep);
    assertTrue(rep.contains("on the resource although its write definitely failed"), rep);
    assertTrue(rep.contains("on the resource but never written (phantom): 9:x"), rep);
    assertTrue(rep.contains("token no acknowledged acquire returned (phantom): 9:x"), rep);
  }

  @Test
  void aWriteWithATokenNobodyWasGivenIsReported() {
    // token 4 went to the acquire of unknown outcome: no client knows it, none may write with it
    Hist h = history().inv(30, 9, W, RES, "4:z").ok(31, 9, W, RES, ACC);
    FencingChecker.Result r = check(h, everywhere(4L, 4L, List.of("1:a", "3:b", "4:z")));
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("resource write with a token no acknowledged acquire returned"),
        r.report());
  }

  @Test
  void anUnjustifiedRejectionIsReported() {
    // 2:c rejected although 3:b was only invoked after the rejection was answered
    Hist h = new Hist()
        .inv(0, 3, ACQ, LOCK, "o3").ok(1, 3, ACQ, LOCK, 2L)
        .inv(2, 3, W, RES, "2:c").ok(3, 3, W, RES, REJ)
        .inv(4, 4, ACQ, LOCK, "o4").ok(5, 4, ACQ, LOCK, 3L)
        .inv(6, 4, W, RES, "3:b").ok(7, 4, W, RES, ACC);
    FencingChecker.Result r = check(h, everywhere(3L, 3L, List.of("3:b")));
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("rejected although no larger token had reached the resource"),
        r.report());
  }

  @Test
  void aWrongFencingCounterAndPeersThatDisagreeAreReported() {
    FencingChecker.Result low = check(history(), everywhere(2L, 3L, List.of("1:a", "3:b")));
    assertFalse(low.valid(), low.report());
    assertTrue(low.report().contains("fencing counter 2 below the highest acknowledged token 3"),
        low.report());
    // 3 acknowledged + 1 unknown: a 5th token means the failed or the busy acquire took one
    FencingChecker.Result high = check(history(), everywhere(5L, 3L, List.of("1:a", "3:b")));
    assertFalse(high.valid(), high.report());
    assertTrue(high.report().contains("fencing counter 5 above what acquires could have taken"),
        high.report());

    Map<String, FencingChecker.FinalState> f = Map.of(
        "n1", new FencingChecker.FinalState(4L, 3L, List.of("1:a", "3:b")),
        "n2", new FencingChecker.FinalState(4L, 1L, List.of("1:a")));
    FencingChecker.Result r = checker().check(history().ops(), f);
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("peers disagree"), r.report());

    FencingChecker.Result none = checker().check(history().ops(), null);
    assertFalse(none.valid(), none.report());
  }

  @Test
  void aReleaseByAnOwnerThatNeverHeldTheLockIsReported() {
    Hist h = history().inv(30, 2, W, LOCK, "o2").ok(31, 2, W, LOCK, 1L);
    FencingChecker.Result r = check(h, everywhere(4L, 3L, List.of("1:a", "3:b")));
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("released a lock its owner never acquired"), r.report());
  }
}
