package dev.raftkv.verify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Workload 3, counters incremented with INCRBY (positive deltas) and read with GET. For every key,
 * with {@code acked(t)} the sum of the acknowledged increments that completed before {@code t} and
 * {@code possible(t)} the sum of all increments not definitely failed that were invoked before
 * {@code t}:
 *
 * <ul>
 *   <li>every ok read invoked at {@code s} and completed at {@code e} returns a value in {@code
 *       [acked(s), possible(e)]};
 *   <li>every ok INCRBY returns a value in {@code [acked(s) + delta, possible(e)]};
 *   <li>the final read (the one with the latest invocation) is therefore within {@code [sum of
 *       acknowledged increments, sum of acknowledged + unknown increments]}, which the report
 *       shows.
 * </ul>
 *
 * A missing key reads as 0.
 */
public final class CounterChecker {

  /** Verdict and details. */
  public record Result(boolean valid, int keys, int reads, int increments, List<String> finals,
      List<String> problems) {
    public String report() {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format("%s: %d counters, %d increments, %d reads checked",
          valid ? "VALID" : "INVALID", keys, increments, reads));
      for (String f : finals) {
        sb.append("\n  ").append(f);
      }
      int shown = 0;
      for (String p : problems) {
        if (shown++ == 30) {
          sb.append("\n  ... ").append(problems.size() - 30).append(" more");
          break;
        }
        sb.append("\n  ").append(p);
      }
      return sb.toString();
    }
  }

  public Result check(List<Op> history) {
    Map<String, List<Operation>> byKey = new TreeMap<>();
    for (Operation o : History.complete(history)) {
      if (o.f() == Op.F.INCR || o.f() == Op.F.READ) {
        byKey.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
      }
    }
    List<String> problems = new ArrayList<>();
    List<String> finals = new ArrayList<>();
    int reads = 0;
    int incrs = 0;
    for (Map.Entry<String, List<Operation>> e : byKey.entrySet()) {
      String key = e.getKey();
      List<Operation> ops = e.getValue();
      // acked: ok increments sorted by completion; possible: ok+info increments by invocation.
      List<Operation> acked = new ArrayList<>();
      List<Operation> possible = new ArrayList<>();
      for (Operation o : ops) {
        if (o.f() == Op.F.INCR) {
          incrs++;
          if (o.ok()) {
            acked.add(o);
          }
          if (o.outcome() != Op.Type.FAIL) {
            possible.add(o);
          }
        }
      }
      acked.sort(Comparator.comparingLong(Operation::end));
      possible.sort(Comparator.comparingLong(Operation::start));
      long[] ackedEnds = acked.stream().mapToLong(Operation::end).toArray();
      long[] ackedSums = prefixSums(acked);
      long[] possStarts = possible.stream().mapToLong(Operation::start).toArray();
      long[] possSums = prefixSums(possible);
      Operation last = null;
      for (Operation o : ops) {
        if (!o.ok()) {
          continue;
        }
        long value;
        long lower;
        if (o.f() == Op.F.READ) {
          reads++;
          value = o.output() == null ? 0 : Long.parseLong(o.output().toString());
          lower = sumBefore(ackedEnds, ackedSums, o.start());
          if (last == null || o.start() > last.start()) {
            last = o;
          }
        } else {
          value = ((Number) o.output()).longValue();
          lower = sumBefore(ackedEnds, ackedSums, o.start()) + ((Number) o.input()).longValue();
        }
        long upper = o.end() == Long.MAX_VALUE ? possSums[possSums.length - 1]
            : sumBefore(possStarts, possSums, o.end() + 1);
        if (value < lower || value > upper) {
          problems.add(String.format("key %s: %s returned %d, outside the possible range [%d, %d]",
              key, o, value, lower, upper));
        }
      }
      long ackedTotal = ackedSums[ackedSums.length - 1];
      long possibleTotal = possSums[possSums.length - 1];
      String lastS = last == null ? "no read" : "last read " + last.output();
      finals.add(String.format("%s: %s; acknowledged sum %d, with unknown increments up to %d",
          key, lastS, ackedTotal, possibleTotal));
    }
    return new Result(problems.isEmpty(), byKey.size(), reads, incrs, finals, problems);
  }

  private static long[] prefixSums(List<Operation> ops) {
    long[] sums = new long[ops.size() + 1];
    for (int i = 0; i < ops.size(); i++) {
      sums[i + 1] = sums[i] + ((Number) ops.get(i).input()).longValue();
    }
    return sums;
  }

  /** Sum of the deltas whose time is strictly before {@code t}. */
  private static long sumBefore(long[] times, long[] sums, long t) {
    int i = Arrays.binarySearch(times, t);
    int count;
    if (i < 0) {
      count = -i - 1;
    } else {
      while (i > 0 && times[i - 1] == t) {
        i--;
      }
      count = i;
    }
    return sums[count];
  }
}
