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
class QueueCheckerTest {
  private static final Op.F W = Op.F.WRITE;
  private static final Op.F R = Op.F.READ;

  /** j1, j2 acknowledged, j3 unknown, j4 failed; j1 delivered, one take timed out empty. */
  private static Hist history() {
    return new Hist()
        .inv(0, 1, W, "q", "j1").ok(1, 1, W, "q", "j1")
        .inv(2, 2, R, "q", null).ok(3, 2, R, "q", "j1")
        .inv(4, 1, W, "q", "j2").ok(5, 1, W, "q", "j2")
        .inv(6, 3, W, "q", "j3").info(7, 3, W, "q", "j3")
        .inv(8, 4, W, "q", "j4").fail(9, 4, W, "q", "j4")
        .inv(10, 2, R, "q", null).ok(11, 2, R, "q", null);
  }

  private static Map<String, QueueChecker.FinalState> everywhere(List<String> queued, List<String> taken) {
    QueueChecker.FinalState s = new QueueChecker.FinalState(queued, taken);
    return Map.of("n1", s, "n2", s, "n3", s);
  }

  @Test
  void everyElementDeliveredOnceOrStillQueuedIsValid() {
    QueueChecker.Result r = new QueueChecker().check(history().ops(), everywhere(List.of("j3", "j2"), List.of("j1")));
    assertTrue(r.valid(), r.report());
    assertEquals(2, r.acknowledged());
    assertEquals(1, r.unknown());
    assertEquals(1, r.failed());
    assertEquals(1, r.delivered());
    assertEquals(1, r.emptyPops());
    assertEquals(2, r.left());
  }

  @Test
  void anElementDeliveredTwiceIsReported() {
    Hist h = history().inv(20, 5, R, "q", null).ok(21, 5, R, "q", "j1");
    QueueChecker.Result r = new QueueChecker().check(h.ops(), everywhere(List.of("j2"), List.of("j1")));
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("delivered 2 times: j1"), r.report());
  }

  @Test
  void aLostEnqueueAPhantomAndAFailedEnqueueThatAppearedAreReported() {
    QueueChecker.Result r = new QueueChecker().check(history().ops(),
        everywhere(List.of("j4", "x9"), List.of("j1")));
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("acknowledged enqueue lost: j2"), r.report());
    assertTrue(r.report().contains("never enqueued (phantom): x9"), r.report());
    assertTrue(r.report().contains("enqueue definitely failed: j4"), r.report());
  }

  @Test
  void peersThatDisagreeOrATakenElementMissingFromTheTakenListAreReported() {
    Map<String, QueueChecker.FinalState> f = Map.of(
        "n1", new QueueChecker.FinalState(List.of("j2"), List.of("j1")),
        "n2", new QueueChecker.FinalState(List.of("j2"), List.of()));
    QueueChecker.Result r = new QueueChecker().check(history().ops(), f);
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("peers disagree"), r.report());
    QueueChecker.Result r2 = new QueueChecker().check(history().ops(), everywhere(List.of("j2", "j1"), List.of()));
    assertTrue(r2.report().contains("delivered but not in the taken list at the end: j1"), r2.report());
  }
}
