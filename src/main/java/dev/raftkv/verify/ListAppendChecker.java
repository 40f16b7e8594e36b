package dev.raftkv.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Workload 5, list append (the workload Jepsen ran against RedisRaft): clients RPUSH unique
 * elements to a few lists and read whole lists with LRANGE. Per key, checks that
 *
 * <ul>
 *   <li>no read holds an element twice, or an element nobody appended to that list (invented), or
 *       one whose append definitely failed;
 *   <li>every two reads are ordered by prefix (one is a prefix of the other), and a read that
 *       began after another ended is not shorter (else stale, or a lost append);
 *   <li>an acknowledged append is in every read that began after it was acknowledged;
 *   <li>an element sits where its append said: RPUSH answered the new length L, so the element is
 *       at position L-1 in every read that has it.
 * </ul>
 *
 * Reads and appends are {@link Op.F#READ} (value: the list read, a {@code List<String>}) and
 * {@link Op.F#WRITE} (value: the element; on ok, the history records the reply length as a
 * {@link Long} in a separate map, see {@link #check}).
 */
public final class ListAppendChecker {

  /** The verdict and counts. */
  public record Result(boolean valid, int keys, int reads, int acknowledged, int unknown,
      int failed, List<String> problems) {
    public String report() {
      StringBuilder sb = new StringBuilder(String.format(
          "%s: %d lists, %d reads, %d acknowledged appends, %d unknown, %d failed",
          valid ? "VALID" : "INVALID", keys, reads, acknowledged, unknown, failed));
      for (int i = 0; i < problems.size() && i < 30; i++) {
        sb.append("\n  ").append(problems.get(i));
      }
      if (problems.size() > 30) {
        sb.append("\n  ... ").append(problems.size() - 30).append(" more");
      }
      return sb.toString();
    }
  }

  /**
   * @param ops the history: appends carry the element as value on invoke; an append's ok carries
   *     the length RPUSH answered (a {@link Long}); a read's ok carries the list
   */
  public Result check(List<Op> ops) {
    List<Operation> all = History.complete(ops);
    Map<String, List<Operation>> byKey = new TreeMap<>();
    for (Operation op : all) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    List<String> problems = new ArrayList<>();
    int reads = 0;
    int acked = 0;
    int unknown = 0;
    int failed = 0;
    for (Map.Entry<String, List<Operation>> e : byKey.entrySet()) {
      String key = e.getKey();
      Set<String> attempted = new HashSet<>();
      Set<String> failedElems = new HashSet<>();
      Map<String, Operation> appendOf = new HashMap<>();
      List<Operation> okReads = new ArrayList<>();
      for (Operation op : e.getValue()) {
        if (op.f() == Op.F.WRITE) {
          String elem = String.valueOf(op.input());
          attempted.add(elem);
          appendOf.put(elem, op);
          if (op.ok()) {
            acked++;
          } else if (op.outcome() == Op.Type.FAIL) {
            failed++;
            failedElems.add(elem);
          } else {
            unknown++;
          }
        } else if (op.f() == Op.F.READ && op.ok()) {
          okReads.add(op);
          reads++;
        }
      }
      for (Operation r : okReads) {
        List<String> list = asList(r.output());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
          String x = list.get(i);
          if (!seen.add(x)) {
            problems.add(key + ": duplicate element " + x + " in " + r);
          }
          if (!attempted.contains(x)) {
            problems.add(key + ": invented element " + x + " in " + r);
          } else if (failedElems.contains(x)) {
            problems.add(key + ": element " + x + " of a failed append is visible in " + r);
          }
          Operation a = appendOf.get(x);
          if (a != null && a.ok() && a.output() instanceof Long len && len != i + 1) {
            problems.add(key + ": element " + x + " at position " + i + " but its RPUSH answered"
                + " length " + len + " in " + r);
          }
        }
        for (Operation a : appendOf.values()) {
          if (a.ok() && a.end() < r.start() && !seen.contains(String.valueOf(a.input()))) {
            problems.add(key + ": acknowledged append " + a.input() + " (done at "
                + secs(a.end()) + ") missing from a later read " + r);
          }
        }
      }
      // prefix order: sort by length; each must be a prefix of the next longer one
      List<Operation> byLen = new ArrayList<>(okReads);
      byLen.sort((x, y) -> Integer.compare(asList(x.output()).size(), asList(y.output()).size()));
      for (int i = 1; i < byLen.size(); i++) {
        List<String> a = asList(byLen.get(i - 1).output());
        List<String> b = asList(byLen.get(i).output());
        if (!b.subList(0, a.size()).equals(a)) {
          problems.add(key + ": reads are not prefixes of each other: " + byLen.get(i - 1)
              + " vs " + byLen.get(i));
          break;
        }
      }
      // real time: a read that began after another ended is at least as long
      List<Operation> byEnd = new ArrayList<>(okReads);
      byEnd.sort((x, y) -> Long.compare(x.end(), y.end()));
      int longestEndedLen = -1;
      Operation longestEnded = null;
      List<Operation> byStart = new ArrayList<>(okReads);
      byStart.sort((x, y) -> Long.compare(x.start(), y.start()));
      int j = 0;
      for (Operation r : byStart) {
        while (j < byEnd.size() && byEnd.get(j).end() < r.start()) {
          int len = asList(byEnd.get(j).output()).size();
          if (len > longestEndedLen) {
            longestEndedLen = len;
            longestEnded = byEnd.get(j);
          }
          j++;
        }
        if (asList(r.output()).size() < longestEndedLen) {
          problems.add(key + ": stale read " + r + " is shorter than the earlier read "
              + longestEnded);
        }
      }
    }
    return new Result(problems.isEmpty(), byKey.size(), reads, acked, unknown, failed, problems);
  }

  private static String secs(long nanos) {
    return String.format("%.3fs", nanos / 1e9);
  }

  @SuppressWarnings("unchecked")
  private static List<String> asList(Object o) {
    return o instanceof List<?> l ? (List<String>) l : List.of();
  }
}
