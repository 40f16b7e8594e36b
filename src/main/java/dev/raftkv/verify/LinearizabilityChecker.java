package dev.raftkv.verify;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks that a history of reads and writes on registers is linearizable, key by key (a register
 * per key; registers are independent, so the history is linearizable iff every key's is).
 *
 * <p>The search is Wing and Gong's: repeatedly pick an operation whose invocation comes before
 * every pending response, apply it to the model, and backtrack when a response is reached that
 * cannot be explained. Lowe's memoization prunes it: a configuration (set of linearized
 * operations, register value) that has been explored once is never explored again.
 *
 * <p>Semantics of outcomes: an ok write or read must take effect between its invocation and its
 * response; a failed write or any unsuccessful read is dropped; a write with unknown outcome
 * (info) has no response (+infinity), so it may take effect at any time after its invocation, or
 * never. An unknown write whose value no read returned is dropped before the search: omitting it
 * is always allowed and it cannot explain any read.
 *
 * <p>A register starts absent ({@code null}); a read of a missing key returns {@code null}.
 */
public final class LinearizabilityChecker {

  /** Verdict of one key or a whole history. */
  public enum Verdict {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    /** The search exceeded its step budget. */
    UNKNOWN
  }

  /** The outcome of checking one key. */
  public record KeyResult(String key, Verdict verdict, int operations, long steps, String report) {}

  /** The outcome of checking a history. */
  public record Result(Verdict verdict, int keys, int operations, List<KeyResult> failures) {
    public boolean valid() {
      return verdict == Verdict.LINEARIZABLE;
    }

    /** A human-readable summary with the failing windows. */
    public String report() {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format("%s (%d keys, %d operations)", verdict, keys, operations));
      int shown = 0;
      for (KeyResult k : failures) {
        if (shown++ == 5) {
          sb.append("\n... and ").append(failures.size() - 5).append(" more failing keys");
          break;
        }
        sb.append("\n").append(k.report());
      }
      return sb.toString();
    }
  }

  private final long maxStepsPerKey;

  public LinearizabilityChecker() {
    this(20_000_000L);
  }

  /** @param maxStepsPerKey search budget per key, after which the key's verdict is UNKNOWN */
  public LinearizabilityChecker(long maxStepsPerKey) {
    this.maxStepsPerKey = maxStepsPerKey;
  }

  /** Checks the READ and WRITE operations of a history (other functions are ignored). */
  public Result check(List<Op> history) {
    return checkOperations(History.complete(history));
  }

  /** Checks completed operations (READ and WRITE; other functions are ignored). */
  public Result checkOperations(List<Operation> operations) {
    Map<String, List<Operation>> byKey = new LinkedHashMap<>();
    int count = 0;
    for (Operation o : operations) {
      if (o.f() == Op.F.READ || o.f() == Op.F.WRITE) {
        byKey.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
        count++;
      }
    }
    List<KeyResult> results =
        byKey.entrySet().parallelStream()
            .map(e -> checkKey(e.getKey(), e.getValue()))
            .collect(Collectors.toList());
    List<KeyResult> failures = new ArrayList<>();
    Verdict verdict = Verdict.LINEARIZABLE;
    for (KeyResult r : results) {
      if (r.verdict() == Verdict.NOT_LINEARIZABLE) {
        verdict = Verdict.NOT_LINEARIZABLE;
        failures.add(r);
      } else if (r.verdict() == Verdict.UNKNOWN) {
        if (verdict == Verdict.LINEARIZABLE) {
          verdict = Verdict.UNKNOWN;
        }
        failures.add(r);
      }
    }
    failures.sort(Comparator.comparing(KeyResult::verdict));
    return new Result(verdict, byKey.size(), count, failures);
  }

  // ---------------------------------------------------------------- one key

  private static final class Entry {
    final boolean call;
    final int id;
    final Operation op;
    final long time;
    Entry match;
    Entry prev;
    Entry next;

    Entry(boolean call, int id, Operation op, long time) {
      this.call = call;
      this.id = id;
      this.op = op;
      this.time = time;
    }
  }

  private static final class CacheKey {
    final long[] bits;
    final String state;
    final int hash;

    CacheKey(long[] bits, String state) {
      this.bits = bits;
      this.state = state;
      this.hash = Arrays.hashCode(bits) * 31 + Objects.hashCode(state);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CacheKey k
          && hash == k.hash
          && Objects.equals(state, k.state)
          && Arrays.equals(bits, k.bits);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private record Frame(Entry entry, String stateBefore) {}

  /** Checks one key's operations. */
  public KeyResult checkKey(String key, List<Operation> all) {
    // Keep ok reads, ok writes, and unknown writes whose value some read returned.
    Set<Object> readValues = new HashSet<>();
    for (Operation o : all) {
      if (o.f() == Op.F.READ && o.ok()) {
        readValues.add(o.output());
      }
    }
    List<Operation> ops = new ArrayList<>();
    for (Operation o : all) {
      if (o.f() == Op.F.READ && o.ok()) {
        ops.add(o);
      } else if (o.f() == Op.F.WRITE && o.ok()) {
        ops.add(o);
      } else if (o.f() == Op.F.WRITE
          && o.outcome() == Op.Type.INFO
          && readValues.contains(o.input())) {
        ops.add(o);
      }
    }
    // Quick, clearly worded check: a read of a value nobody tried to write.
    Set<Object> written = new HashSet<>();
    for (Operation o : all) {
      if (o.f() == Op.F.WRITE) {
        written.add(o.input());
      }
    }
    for (Operation o : ops) {
      if (o.f() == Op.F.READ && o.output() != null && !written.contains(o.output())) {
        return new KeyResult(key, Verdict.NOT_LINEARIZABLE, ops.size(), 0,
            "key " + key + ": read of a value that was never written (not even by a failed or"
                + " unknown write):\n  " + o);
      }
    }
    if (ops.isEmpty()) {
      return new KeyResult(key, Verdict.LINEARIZABLE, 0, 0, "");
    }

    int n = ops.size();
    List<Entry> entries = new ArrayList<>(2 * n);
    for (int i = 0; i < n; i++) {
      Operation o = ops.get(i);
      Entry call = new Entry(true, i, o, o.start());
      Entry ret = new Entry(false, i, o, o.end());
      call.match = ret;
      ret.match = call;
      entries.add(call);
      entries.add(ret);
    }
    // Real-time order; at equal times calls before returns (the lenient reading: overlapping).
    entries.sort(
        Comparator.<Entry>comparingLong(e -> e.time)
            .thenComparing(e -> e.call ? 0 : 1)
            .thenComparingInt(e -> e.id));
    Entry head = new Entry(true, -1, null, Long.MIN_VALUE);
    Entry prev = head;
    for (Entry e : entries) {
      prev.next = e;
      e.prev = prev;
      prev = e;
    }

    long[] linearized = new long[(n + 63) / 64];
    Set<CacheKey> cache = new HashSet<>();
    Deque<Frame> calls = new ArrayDeque<>();
    String state = null;
    Entry entry = head.next;
    long steps = 0;
    // Deepest point where the search got stuck, for the report.
    int bestDepth = -1;
    List<Operation> bestPrefix = List.of();
    String bestState = null;
    Operation bestBlocking = null;
    List<Operation> bestCandidates = List.of();

    while (head.next != null) {
      if (++steps > maxStepsPerKey) {
        return new KeyResult(key, Verdict.UNKNOWN, n, steps,
            "key " + key + ": search gave up after " + maxStepsPerKey + " steps (" + n
                + " operations)");
      }
      if (entry.call) {
        Operation o = entry.op;
        boolean legal;
        String next;
        if (o.f() == Op.F.WRITE) {
          legal = true;
          next = (String) o.input();
        } else {
          legal = Objects.equals(state, o.output());
          next = state;
        }
        if (legal) {
          long[] bits = linearized.clone();
          bits[entry.id >>> 6] |= 1L << (entry.id & 63);
          if (cache.add(new CacheKey(bits, next))) {
            calls.push(new Frame(entry, state));
            state = next;
            linearized = bits;
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        // A response: every operation up to here must have been linearized. Backtrack.
        if (calls.size() > bestDepth) {
          bestDepth = calls.size();
          List<Operation> prefix = new ArrayList<>();
          calls.descendingIterator().forEachRemaining(f -> prefix.add(f.entry().op));
          bestPrefix = prefix;
          bestState = state;
          bestBlocking = entry.op;
          List<Operation> cands = new ArrayList<>();
          for (Entry e = head.next; e != null && e != entry; e = e.next) {
            if (e.call) {
              cands.add(e.op);
            }
          }
          bestCandidates = cands;
        }
        if (calls.isEmpty()) {
          break;
        }
        Frame top = calls.pop();
        state = top.stateBefore();
        linearized[top.entry().id >>> 6] &= ~(1L << (top.entry().id & 63));
        unlift(top.entry());
        entry = top.entry().next;
      }
    }
    if (head.next == null) {
      return new KeyResult(key, Verdict.LINEARIZABLE, n, steps, "");
    }
    return new KeyResult(key, Verdict.NOT_LINEARIZABLE, n, steps,
        failureReport(key, n, bestPrefix, bestState, bestBlocking, bestCandidates));
  }

  private static String failureReport(String key, int n, List<Operation> prefix, String state,
      Operation blocking, List<Operation> candidates) {
    StringBuilder sb = new StringBuilder();
    sb.append("key ").append(key).append(": not linearizable (").append(n)
        .append(" operations). The longest linearizable prefix has ").append(prefix.size())
        .append(" operations and leaves the register at ").append(state).append('.');
    int from = Math.max(0, prefix.size() - 5);
    if (!prefix.isEmpty()) {
      sb.append("\n  last linearized operations:");
      for (Operation o : prefix.subList(from, prefix.size())) {
        sb.append("\n    ").append(o);
      }
    }
    sb.append("\n  no order of these concurrent operations explains the response of the first one"
        + " (each must take effect before it returns):");
    List<Operation> window = new ArrayList<>();
    window.add(blocking);
    for (Operation o : candidates) {
      if (o != blocking) {
        window.add(o);
      }
    }
    window.sort(Comparator.comparingLong(Operation::start));
    window.remove(blocking);
    window.add(0, blocking);
    int shown = 0;
    for (Operation o : window) {
      if (shown++ == 25) {
        sb.append("\n    ... ").append(window.size() - 25).append(" more");
        break;
      }
      sb.append("\n    ").append(o);
    }
    return sb.toString();
  }

  private static void lift(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}
