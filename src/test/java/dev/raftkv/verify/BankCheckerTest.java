package dev.raftkv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BankCheckerTest {
  private static final Op.F W = Op.F.WRITE;
  private static final Op.F R = Op.F.READ;

  private static Hist transfersAndRead(List<String> read) {
    return new Hist()
        .inv(0, 1, W, "acct", "0>1:10").ok(1, 1, W, "acct", 90L)
        .inv(2, 2, W, "acct", "1>2:5").fail(3, 2, W, "acct", "1>2:5")
        .inv(4, 3, W, "acct", "2>0:1").info(5, 3, W, "acct", "2>0:1")
        .inv(5, 5, W, "acct", "2>1:3").ok(6, 5, W, "acct", null)
        .inv(6, 4, R, "acct", null).ok(7, 4, R, "acct", read);
  }

  @Test
  void readsWithTheTotalAndNoNegativeBalanceAreValid() {
    BankChecker.Result r = new BankChecker(3, 300)
        .check(transfersAndRead(List.of("90", "110", "100")).ops());
    assertTrue(r.valid(), r.report());
    assertEquals(1, r.reads());
    assertEquals(1, r.committed());
    assertEquals(2, r.aborted());
    assertEquals(1, r.unknown());
  }

  @Test
  void aHalfAppliedTransferIsReported() {
    BankChecker.Result r = new BankChecker(3, 300)
        .check(transfersAndRead(List.of("90", "100", "100")).ops());
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("total 290 instead of 300"), r.report());
  }

  @Test
  void anOverdraftIsReported() {
    BankChecker.Result r = new BankChecker(3, 300)
        .check(transfersAndRead(List.of("-10", "210", "100")).ops());
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("negative balance"), r.report());
  }

  @Test
  void aMissingAccountIsReported() {
    BankChecker.Result r = new BankChecker(3, 300)
        .check(transfersAndRead(Arrays.asList("150", null, "150")).ops());
    assertFalse(r.valid(), r.report());
    assertTrue(r.report().contains("missing"), r.report());
  }
}
