package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SetCheckerTest {

  private static final Op.F W = Op.F.WRITE;

  private final Hist h = new Hist()
      .write(1, "s1", "v1", 0, 1)
      .write(1, "s2", "v2", 2, 3)
      .inv(4, 2, W, "s3", "v3").fail(5, 2, W, "s3", "v3")
      .inv(6, 3, W, "s4", "v4").info(7, 3, W, "s4", "v4")
      .inv(8, 4, W, "s5", "v5").info(9, 4, W, "s5", "v5");

  private static Map<String, Map<String, String>> peers(Map<String, String> data) {
    Map<String, Map<String, String>> m = new HashMap<>();
    m.put("n1", new HashMap<>(data));
    m.put("n2", new HashMap<>(data));
    m.put("n3", new HashMap<>(data));
    return m;
  }

  @Test
  void allAcknowledgedPresentAndUnknownEitherWayIsValid() {
    SetChecker.Result r = new SetChecker().check(h.ops(),
        peers(Map.of("s1", "v1", "s2", "v2", "s4", "v4")));
    assertTrue(r.valid(), r.report());
    assertEquals(2, r.acknowledged());
    assertEquals(1, r.failed());
    assertEquals(2, r.unknown());
    assertEquals(1, r.unknownPresent());
  }

  @Test
  void lostAcknowledgedWriteOnOnePeerIsDetected() {
    Map<String, Map<String, String>> p = peers(Map.of("s1", "v1", "s2", "v2"));
    p.get("n2").remove("s2");
    SetChecker.Result r = new SetChecker().check(h.ops(), p);
    assertFalse(r.valid());
    assertEquals(1, r.lost());
    assertTrue(r.report().contains("LOST on n2"), r.report());
  }

  @Test
  void failedWriteThatTookEffectIsDetected() {
    SetChecker.Result r = new SetChecker().check(h.ops(),
        peers(Map.of("s1", "v1", "s2", "v2", "s3", "v3")));
    assertFalse(r.valid());
    assertEquals(3, r.failedButPresent());
  }

  @Test
  void inventedKeysAndValuesAreDetected() {
    SetChecker.Result r = new SetChecker().check(h.ops(),
        peers(Map.of("s1", "v1", "s2", "v2", "s4", "bogus", "s9", "x")));
    assertFalse(r.valid());
    assertEquals(4, r.invented(), r.report());
  }

  @Test
  void unknownWriteVisibleOnOnlySomePeersIsDivergent() {
    Map<String, Map<String, String>> p = peers(Map.of("s1", "v1", "s2", "v2"));
    p.get("n3").put("s5", "v5");
    SetChecker.Result r = new SetChecker().check(h.ops(), p);
    assertFalse(r.valid());
    assertEquals(1, r.divergent());
  }
}
