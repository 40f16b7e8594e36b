package dev.raftkv.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Workload 6, a job queue the way queue frameworks use Redis: producers LPUSH unique elements
 * onto one queue, consumers BLMOVE them (0.5 s timeout) onto a "taken" list, so an element a
 * consumer took stays somewhere even when the consumer's reply is lost. Checks that
 *
 * <ul>
 *   <li>no element is delivered twice (two acknowledged BLMOVEs returned it);
 *   <li>every delivered element was enqueued, and not by an enqueue that definitely failed
 *       (no phantom);
 *   <li>after the run, every peer holds the same queue and taken list, no element sits twice in
 *       them, every acknowledged enqueue is in one of them (none lost), every delivered element
 *       is in the taken list, and nothing is there that nobody enqueued or whose enqueue failed.
 * </ul>
 *
 * Enqueues are {@link Op.F#WRITE} (value: the element), dequeues {@link Op.F#READ} (ok value: the
 * element taken, or null when the BLMOVE timed out).
 */
public final class QueueChecker {

  /** The verdict and counts. */
  public record Result(boolean valid, int acknowledged, int unknown, int failed, int delivered,
      int emptyPops, int left, List<String> problems) {
    public String report() {
      StringBuilder sb = new StringBuilder(String.format(
          "%s: %d acknowledged enqueues (%d unknown, %d failed), %d delivered (%d timed out empty),"
              + " %d still queued at the end",
          valid ? "VALID" : "INVALID", acknowledged, unknown, failed, delivered, emptyPops, left));
      for (int i = 0; i < problems.size() && i < 30; i++) {
        sb.append("\n  ").append(problems.get(i));
      }
      if (problems.size() > 30) {
        sb.append("\n  ... ").append(problems.size() - 30).append(" more");
      }
      return sb.toString();
    }
  }

  /** The queue and the taken list as one peer holds them after the run (LRANGE 0 -1 of each). */
  public record FinalState(List<String> queued, List<String> taken) {}

  /**
   * @param ops the workload's history
   * @param finals per peer, its final state; null when the cluster did not recover (only the
   *     history's own checks run then, and the verdict is invalid)
   */
  public Result check(List<Op> ops, Map<String, FinalState> finals) {
    List<String> problems = new ArrayList<>();
    Map<String, Op.Type> enqueued = new HashMap<>(); // element -> outcome of its enqueue
    Map<String, Integer> deliveries = new LinkedHashMap<>();
    int acked = 0;
    int unknown = 0;
    int failed = 0;
    int empty = 0;
    for (Operation op : History.complete(ops)) {
      if (op.f() == Op.F.WRITE) {
        enqueued.put((String) op.input(), op.outcome());
        switch (op.outcome()) {
          case OK -> acked++;
          case FAIL -> failed++;
          default -> unknown++;
        }
      } else if (op.ok()) {
        if (op.output() == null) {
          empty++;
        } else {
          deliveries.merge((String) op.output(), 1, Integer::sum);
        }
      }
    }
    deliveries.forEach((e, n) -> {
      if (n > 1) {
        problems.add("delivered " + n + " times: " + e);
      }
      Op.Type t = enqueued.get(e);
      if (t == null) {
        problems.add("delivered but never enqueued (phantom): " + e);
      } else if (t == Op.Type.FAIL) {
        problems.add("delivered although its enqueue definitely failed: " + e);
      }
    });
    int left = 0;
    FinalState first = FinalStates.agreed(finals, "queue", QueueChecker::summary, problems);
    if (first != null) {
      left = first.queued().size();
      Set<String> present = new HashSet<>();
      List<String> all = new ArrayList<>(first.queued());
      all.addAll(first.taken());
      for (String e : all) {
        if (!present.add(e)) {
          problems.add("held twice at the end: " + e);
        }
        Op.Type t = enqueued.get(e);
        if (t == null) {
          problems.add("at the end but never enqueued (phantom): " + e);
        } else if (t == Op.Type.FAIL) {
          problems.add("at the end although its enqueue definitely failed: " + e);
        }
      }
      enqueued.forEach((e, t) -> {
        if (t == Op.Type.OK && !present.contains(e)) {
          problems.add("acknowledged enqueue lost: " + e);
        }
      });
      Set<String> taken = new HashSet<>(first.taken());
      for (String e : deliveries.keySet()) {
        if (!taken.contains(e)) {
          problems.add("delivered but not in the taken list at the end: " + e);
        }
      }
    }
    return new Result(problems.isEmpty(), acked, unknown, failed, deliveries.size(), empty, left,
        problems);
  }

  private static String summary(FinalState s) {
    return s.queued().size() + " queued, " + s.taken().size() + " taken";
  }
}
