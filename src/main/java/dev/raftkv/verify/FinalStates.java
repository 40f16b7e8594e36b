package dev.raftkv.verify;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** What the checkers of end-of-run state share: every peer must hold the same state. */
final class FinalStates {
  private FinalStates() {}

  /**
   * The state every peer holds, the first peer's when they disagree (each disagreement is added to
   * {@code problems}, described by {@code summary}); null when {@code finals} is null (the cluster
   * did not recover, also a problem) or empty.
   */
  static <T> T agreed(Map<String, T> finals, String what, Function<T, String> summary,
      List<String> problems) {
    if (finals == null) {
      problems.add("no final state read: the cluster did not recover");
      return null;
    }
    T first = null;
    String firstPeer = null;
    for (Map.Entry<String, T> f : finals.entrySet()) {
      if (first == null) {
        first = f.getValue();
        firstPeer = f.getKey();
      } else if (!first.equals(f.getValue())) {
        problems.add("peers disagree on the final " + what + ": " + firstPeer + " "
            + summary.apply(first) + ", " + f.getKey() + " " + summary.apply(f.getValue()));
      }
    }
    return first;
  }
}
