package dev.raftkv.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * Workload 4, transactions (Jepsen's bank test): accounts start with equal balances; clients
 * move money with {@code WATCH a b; MGET a b; MULTI; DECRBY a x; INCRBY b x; EXEC}, only when
 * {@code a} holds at least {@code x}, and read every account at once with {@code MGET}. Every
 * successful read must show every account, no negative balance (WATCH must stop a transfer based
 * on a stale balance) and the initial total (a transaction is all or nothing, and never seen half
 * applied).
 *
 * <p>Transfers are {@link Op.F#WRITE} (value: "from>to:amount"; ok with a value = EXEC ran, ok
 * with null = EXEC aborted by WATCH, fail = a definite error, info = unknown); reads are {@link Op.F#READ} whose ok
 * value is the list of balances as strings (null for a missing account).
 */
public final class BankChecker {

  /** The verdict and counts. */
  public record Result(boolean valid, int reads, int committed, int aborted, int unknown,
      List<String> problems) {
    public String report() {
      StringBuilder sb = new StringBuilder(String.format(
          "%s: %d reads of all accounts, %d transfers committed, %d aborted by WATCH or failed,"
              + " %d unknown", valid ? "VALID" : "INVALID", reads, committed, aborted, unknown));
      for (int i = 0; i < problems.size() && i < 30; i++) {
        sb.append("\n  ").append(problems.get(i));
      }
      if (problems.size() > 30) {
        sb.append("\n  ... ").append(problems.size() - 30).append(" more");
      }
      return sb.toString();
    }
  }

  private final int accounts;
  private final long total;

  public BankChecker(int accounts, long total) {
    this.accounts = accounts;
    this.total = total;
  }

  public Result check(List<Op> ops) {
    List<String> problems = new ArrayList<>();
    int reads = 0;
    int committed = 0;
    int aborted = 0;
    int unknown = 0;
    for (Operation op : History.complete(ops)) {
      if (op.f() == Op.F.WRITE) {
        switch (op.outcome()) {
          case OK -> {
            if (op.output() == null) {
              aborted++;
            } else {
              committed++;
            }
          }
          case FAIL -> aborted++;
          default -> unknown++;
        }
        continue;
      }
      if (!op.ok()) {
        continue;
      }
      reads++;
      String why = problem(op.output());
      if (why != null) {
        problems.add(why + ": " + op);
      }
    }
    return new Result(problems.isEmpty(), reads, committed, aborted, unknown, problems);
  }

  private String problem(Object read) {
    if (!(read instanceof List<?> values) || values.size() != accounts) {
      return "not a read of " + accounts + " accounts";
    }
    long sum = 0;
    for (Object v : values) {
      if (v == null) {
        return "an account is missing";
      }
      long b;
      try {
        b = Long.parseLong(v.toString());
      } catch (NumberFormatException e) {
        return "a balance is not a number";
      }
      if (b < 0) {
        return "negative balance";
      }
      sum += b;
    }
    return sum == total ? null : "total " + sum + " instead of " + total;
  }
}
