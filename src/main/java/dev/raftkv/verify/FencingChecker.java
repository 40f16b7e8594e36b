package dev.raftkv.verify;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Workload 7, a lock with a fencing token the way Redis lock libraries build one with Lua: an
 * acquire script sets the lock key if it is free ({@code SET lock owner NX PX ttl}) and then
 * INCRs a fencing counter, returning the new token (nil when the lock is held); while holding the
 * lock the client writes to a "resource" with a script that accepts the write only if its token is
 * at least the highest token the resource has seen (it stores that maximum and appends
 * {@code token:value} to a list, or rejects); a third script releases the lock only if it still
 * holds the caller's owner id. Checks that
 *
 * <ul>
 *   <li>acknowledged acquires returned unique tokens, increasing in real-time order (an acquire
 *       that completed before another began got a smaller token);
 *   <li>after the run every peer holds the same resource list, highest token and fencing counter;
 *   <li>the resource list's tokens never decrease (a stale holder's write was fenced off), and its
 *       acknowledged accepted writes sit in real-time order;
 *   <li>every acknowledged accepted write is in the list exactly once; no write is there that was
 *       never made, that definitely failed or that was acknowledged as rejected, or whose token no
 *       acknowledged acquire returned (phantom: clients write only with a token they were given,
 *       so a token whose acquire had an unknown outcome cannot reach the resource either);
 *   <li>a write acknowledged as rejected is justified: a write with a larger token, invoked
 *       before the rejection was acknowledged, is in the list;
 *   <li>the resource's stored maximum is the last element's token, and the fencing counter lies
 *       within [highest acknowledged token, acknowledged tokens + acquires of unknown outcome]
 *       (more would mean an acquire that failed or found the lock held still took a token);
 *   <li>a release that deleted the lock belongs to an owner whose acquire succeeded or may have.
 * </ul>
 *
 * History encoding: an acquire is {@link Op.F#INCR} on the lock key (value: the owner id; ok
 * value: the token, or null when the lock was held); a resource write is {@link Op.F#WRITE} on
 * the resource key (value: {@code token:value}; ok value {@link #ACCEPTED} or {@link #REJECTED});
 * a release is {@link Op.F#WRITE} on the lock key (value: the owner id; ok value: 1 when it
 * deleted the lock, 0 when the lock was no longer the caller's).
 */
public final class FencingChecker {

  public static final String ACCEPTED = "accepted";
  public static final String REJECTED = "rejected";

  /** The verdict and counts. */
  public record Result(boolean valid, int acquired, int busy, int unknownAcquires,
      int failedAcquires, int accepted, int rejected, int unknownWrites, int releases,
      int resourceLength, long fence, List<String> problems) {
    public String report() {
      StringBuilder sb = new StringBuilder(String.format(
          "%s: %d tokens handed out by acknowledged acquires (%d found the lock held, %d unknown,"
              + " %d failed), %d resource writes accepted, %d rejected as stale (%d unknown),"
              + " %d releases; at the end %d writes on the resource, fencing counter %d",
          valid ? "VALID" : "INVALID", acquired, busy, unknownAcquires, failedAcquires, accepted,
          rejected, unknownWrites, releases, resourceLength, fence));
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
   * What one peer holds after the run.
   *
   * @param fence the fencing counter (null: no such key)
   * @param resourceMax the highest token the resource stored (null: no such key)
   * @param resource the resource's list, {@code token:value} elements (LRANGE 0 -1)
   */
  public record FinalState(Long fence, Long resourceMax, List<String> resource) {}

  private final String lockKey;
  private final String resourceKey;

  /** The keys tell releases (lock key) from resource writes (resource key) in the history. */
  public FencingChecker(String lockKey, String resourceKey) {
    this.lockKey = lockKey;
    this.resourceKey = resourceKey;
  }

  /**
   * @param ops the workload's history
   * @param finals per peer, its final state; null when the cluster did not recover (only the
   *     history's own checks run then, and the verdict is invalid)
   */
  public Result check(List<Op> ops, Map<String, FinalState> finals) {
    List<String> problems = new ArrayList<>();
    List<Operation> tokenAcquires = new ArrayList<>();
    Map<Long, Operation> byToken = new HashMap<>();
    Set<String> mayHaveHeld = new HashSet<>(); // owners whose acquire succeeded or may have
    Map<String, Operation> writes = new HashMap<>(); // token:value -> its write
    List<Operation> releases = new ArrayList<>();
    int busy = 0;
    int unknownAcq = 0;
    int failedAcq = 0;
    int accepted = 0;
    int rejected = 0;
    int unknownWrites = 0;
    long maxToken = 0;
    for (Operation op : History.complete(ops)) {
      if (op.f() == Op.F.INCR) {
        switch (op.outcome()) {
          case OK -> {
            if (op.output() == null) {
              busy++;
              continue;
            }
            long t = ((Number) op.output()).longValue();
            Operation other = byToken.putIfAbsent(t, op);
            if (other != null) {
              problems.add("token " + t + " handed out twice: " + other + " and " + op);
            }
            tokenAcquires.add(op);
            mayHaveHeld.add((String) op.input());
            maxToken = Math.max(maxToken, t);
          }
          case FAIL -> failedAcq++;
          default -> {
            unknownAcq++;
            mayHaveHeld.add((String) op.input());
          }
        }
      } else if (op.f() == Op.F.WRITE && resourceKey.equals(op.key())) {
        writes.put((String) op.input(), op);
        if (op.ok()) {
          if (ACCEPTED.equals(op.output())) {
            accepted++;
          } else {
            rejected++;
          }
        } else if (op.outcome() == Op.Type.INFO) {
          unknownWrites++;
        }
      } else if (op.f() == Op.F.WRITE && lockKey.equals(op.key())) {
        releases.add(op);
      } else {
        problems.add("not an operation of this workload: " + op);
      }
    }

    // Tokens increase in real-time order.
    List<Operation> byEnd = new ArrayList<>(tokenAcquires);
    byEnd.sort(Comparator.comparingLong(Operation::end));
    List<Operation> byStart = new ArrayList<>(tokenAcquires);
    byStart.sort(Comparator.comparingLong(Operation::start));
    int e = 0;
    Operation maxEnded = null;
    for (Operation b : byStart) {
      while (e < byEnd.size() && byEnd.get(e).end() < b.start()) {
        Operation a = byEnd.get(e++);
        if (maxEnded == null || token(a) > token(maxEnded)) {
          maxEnded = a;
        }
      }
      if (maxEnded != null && token(maxEnded) >= token(b)) {
        problems.add("token " + token(b) + " handed out after token " + token(maxEnded)
            + " had been: " + maxEnded + " completed before " + b + " began");
      }
    }

    // Resource writes carry tokens that acquires handed out.
    writes.forEach((elem, w) -> {
      Long t = tokenOf(elem);
      if (t == null || !byToken.containsKey(t)) {
        problems.add("resource write with a token no acknowledged acquire returned: " + w);
      }
    });

    // A release that deleted the lock: its owner held it.
    for (Operation r : releases) {
      if (r.ok() && r.output() instanceof Number n && n.longValue() == 1
          && !mayHaveHeld.contains((String) r.input())) {
        problems.add("released a lock its owner never acquired: " + r);
      }
    }

    int length = 0;
    long fence = 0;
    FinalState first = FinalStates.agreed(finals, "state", FencingChecker::summary, problems);
    if (first != null) {
      length = first.resource().size();
      fence = first.fence() == null ? 0 : first.fence();
      checkResource(first, writes, byToken, problems);
      if (fence < maxToken) {
        problems.add("fencing counter " + fence + " below the highest acknowledged token "
            + maxToken);
      }
      if (fence > tokenAcquires.size() + unknownAcq) {
        problems.add("fencing counter " + fence + " above what acquires could have taken: "
            + tokenAcquires.size() + " acknowledged + " + unknownAcq + " unknown");
      }
    }
    return new Result(problems.isEmpty(), tokenAcquires.size(), busy, unknownAcq, failedAcq,
        accepted, rejected, unknownWrites, releases.size(), length, fence, problems);
  }

  private void checkResource(FinalState s, Map<String, Operation> writes,
      Map<Long, Operation> byToken, List<String> problems) {
    List<String> list = s.resource();
    Map<String, Integer> position = new HashMap<>();
    long[] tokens = new long[list.size()];
    for (int i = 0; i < list.size(); i++) {
      String elem = list.get(i);
      Long t = tokenOf(elem);
      tokens[i] = t == null ? Long.MIN_VALUE : t;
      if (position.putIfAbsent(elem, i) != null) {
        problems.add("on the resource twice: " + elem);
      }
      Operation w = writes.get(elem);
      if (w == null) {
        problems.add("on the resource but never written (phantom): " + elem);
      } else if (w.outcome() == Op.Type.FAIL) {
        problems.add("on the resource although its write definitely failed: " + w);
      } else if (w.ok() && REJECTED.equals(w.output())) {
        problems.add("on the resource although its write was rejected: " + w);
      }
      if (t == null || !byToken.containsKey(t)) {
        problems.add("on the resource with a token no acknowledged acquire returned (phantom): "
            + elem);
      }
      if (i > 0 && tokens[i] < tokens[i - 1]) {
        problems.add("token decreases on the resource at position " + i + ": " + list.get(i - 1)
            + " then " + elem + " (a stale holder's write was not fenced off)");
      }
    }
    Long lastToken = list.isEmpty() ? null : tokens[list.size() - 1];
    if (!java.util.Objects.equals(lastToken, s.resourceMax())) {
      problems.add("the resource's highest token is " + s.resourceMax()
          + " but its last write carries " + lastToken);
    }

    // Every acknowledged accepted write is there, in real-time order.
    List<Operation> acked = new ArrayList<>();
    writes.forEach((elem, w) -> {
      if (w.ok() && ACCEPTED.equals(w.output())) {
        if (!position.containsKey(elem)) {
          problems.add("acknowledged accepted write lost: " + w);
        } else {
          acked.add(w);
        }
      }
    });
    List<Operation> byEnd = new ArrayList<>(acked);
    byEnd.sort(Comparator.comparingLong(Operation::end));
    acked.sort(Comparator.comparingLong(Operation::start));
    int e = 0;
    Operation latest = null; // of those ended so far, the one furthest down the list
    for (Operation b : acked) {
      while (e < byEnd.size() && byEnd.get(e).end() < b.start()) {
        Operation a = byEnd.get(e++);
        if (latest == null || position.get(a.input()) > position.get(latest.input())) {
          latest = a;
        }
      }
      if (latest != null && position.get(latest.input()) > position.get(b.input())) {
        problems.add("resource order contradicts real time: " + latest + " completed before "
            + b + " began, yet sits after it");
      }
    }

    // A rejection needs a larger token written before it was answered.
    List<long[]> written = new ArrayList<>(); // {start of the write, token}
    for (String elem : list) {
      Operation w = writes.get(elem);
      Long t = tokenOf(elem);
      if (w != null && t != null) {
        written.add(new long[] {w.start(), t});
      }
    }
    written.sort(Comparator.comparingLong(x -> x[0]));
    long[] starts = new long[written.size()];
    long[] maxSoFar = new long[written.size()];
    for (int i = 0; i < written.size(); i++) {
      starts[i] = written.get(i)[0];
      maxSoFar[i] = Math.max(i == 0 ? Long.MIN_VALUE : maxSoFar[i - 1], written.get(i)[1]);
    }
    writes.forEach((elem, w) -> {
      if (w.ok() && REJECTED.equals(w.output())) {
        Long t = tokenOf(elem);
        int n = countBelow(starts, w.end()); // writes invoked before the rejection was answered
        if (t == null || n == 0 || maxSoFar[n - 1] <= t) {
          problems.add("rejected although no larger token had reached the resource: " + w);
        }
      }
    });
  }

  /** How many of the sorted {@code xs} are below {@code limit}. */
  private static int countBelow(long[] xs, long limit) {
    int lo = 0;
    int hi = xs.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (xs[mid] < limit) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static long token(Operation acquire) {
    return ((Number) acquire.output()).longValue();
  }

  /** The token of a {@code token:value} element, or null when it has none. */
  static Long tokenOf(String elem) {
    int colon = elem.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      return Long.parseLong(elem.substring(0, colon));
    } catch (NumberFormatException ex) {
      return null;
    }
  }

  private static String summary(FinalState s) {
    return "fencing counter " + s.fence() + ", highest token " + s.resourceMax() + ", "
        + s.resource().size() + " writes"
        + (s.resource().isEmpty() ? "" : " ending " + s.resource().get(s.resource().size() - 1));
  }
}
