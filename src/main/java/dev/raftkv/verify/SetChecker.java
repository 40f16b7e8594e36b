package dev.raftkv.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Workload 2, "every acknowledged write survives": each key is written once with a unique value;
 * at the end every peer is asked for every key. Checks that
 *
 * <ul>
 *   <li>every acknowledged write is readable, with its value, on every peer (else: lost);
 *   <li>no definitely failed write (e.g. {@code CLUSTERDOWN}) is visible anywhere;
 *   <li>a write with unknown outcome is either visible everywhere or nowhere;
 *   <li>no peer has a key of the workload that nobody wrote, or a value nobody wrote (invented).
 * </ul>
 */
public final class SetChecker {

  /** The verdict and counts. */
  public record Result(
      boolean valid,
      int acknowledged,
      int failed,
      int unknown,
      int unknownPresent,
      int lost,
      int failedButPresent,
      int divergent,
      int invented,
      List<String> problems) {

    public String report() {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format(
          "%s: %d acknowledged writes, %d failed, %d unknown (%d of them visible); lost %d,"
              + " failed-but-visible %d, divergent between peers %d, invented %d",
          valid ? "VALID" : "INVALID", acknowledged, failed, unknown, unknownPresent, lost,
          failedButPresent, divergent, invented));
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

  /**
   * @param history the workload's WRITE operations (other functions are ignored)
   * @param finalReads per peer: every key of the workload found there (or asked for) and its
   *     value; a key asked for and missing may be absent from the map or mapped to null
   */
  public Result check(List<Op> history, Map<String, Map<String, String>> finalReads) {
    Map<String, Operation> writes = new TreeMap<>();
    for (Operation o : History.complete(history)) {
      if (o.f() == Op.F.WRITE) {
        writes.put(o.key(), o);
      }
    }
    List<String> problems = new ArrayList<>();
    int acked = 0;
    int failed = 0;
    int unknown = 0;
    int unknownPresent = 0;
    int lost = 0;
    int failedPresent = 0;
    int divergent = 0;
    int invented = 0;
    for (Operation w : writes.values()) {
      String key = w.key();
      Map<String, String> seen = new TreeMap<>();
      for (Map.Entry<String, Map<String, String>> peer : finalReads.entrySet()) {
        seen.put(peer.getKey(), peer.getValue().get(key));
      }
      switch (w.outcome()) {
        case OK -> {
          acked++;
          for (Map.Entry<String, String> e : seen.entrySet()) {
            if (!Objects.equals(e.getValue(), w.input())) {
              lost++;
              problems.add("LOST on " + e.getKey() + ": " + w + " but the peer has "
                  + e.getValue());
            }
          }
        }
        case FAIL -> {
          failed++;
          for (Map.Entry<String, String> e : seen.entrySet()) {
            if (e.getValue() != null) {
              failedPresent++;
              problems.add("FAILED WRITE VISIBLE on " + e.getKey() + ": " + w + " but the peer has "
                  + e.getValue());
            }
          }
        }
        default -> {
          unknown++;
          long present = seen.values().stream().filter(Objects::nonNull).count();
          if (present > 0) {
            unknownPresent++;
          }
          if (present > 0 && present < seen.size()) {
            divergent++;
            problems.add("DIVERGENT: " + w + " is visible on some peers only: " + seen);
          }
          for (Map.Entry<String, String> e : seen.entrySet()) {
            if (e.getValue() != null && !e.getValue().equals(w.input())) {
              invented++;
              problems.add("INVENTED VALUE on " + e.getKey() + ": " + w + " but the peer has "
                  + e.getValue());
            }
          }
        }
      }
    }
    Map<String, List<String>> stray = new HashMap<>();
    for (Map.Entry<String, Map<String, String>> peer : finalReads.entrySet()) {
      for (Map.Entry<String, String> kv : peer.getValue().entrySet()) {
        if (kv.getValue() != null && !writes.containsKey(kv.getKey())) {
          stray.computeIfAbsent(kv.getKey(), k -> new ArrayList<>()).add(peer.getKey());
        }
      }
    }
    for (Map.Entry<String, List<String>> e : stray.entrySet()) {
      invented++;
      problems.add("INVENTED KEY " + e.getKey() + " (never written) on " + e.getValue());
    }
    boolean valid = lost == 0 && failedPresent == 0 && divergent == 0 && invented == 0;
    return new Result(valid, acked, failed, unknown, unknownPresent, lost, failedPresent,
        divergent, invented, problems);
  }
}
