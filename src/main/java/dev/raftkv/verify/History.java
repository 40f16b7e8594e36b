package dev.raftkv.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A thread-safe, append-only record of operations. Clients call {@link #invoke} before sending a
 * request and one of {@link #ok}, {@link #fail}, {@link #info} when its outcome is known.
 * Timestamps come from {@link System#nanoTime()} taken under the history's lock, so the order of
 * events in the list is their real-time order.
 */
public final class History {

  private final List<Op> ops = new ArrayList<>();
  private final long origin;

  public History() {
    this(System.nanoTime());
  }

  /** A history whose timestamps are relative to {@code origin} (a {@code nanoTime} value). */
  public History(long origin) {
    this.origin = origin;
  }

  public synchronized Op invoke(int process, Op.F f, String key, Object value, String node) {
    return add(process, Op.Type.INVOKE, f, key, value, node, null);
  }

  public synchronized Op ok(Op invoke, Object value) {
    return add(invoke.process(), Op.Type.OK, invoke.f(), invoke.key(), value, invoke.node(), null);
  }

  public synchronized Op fail(Op invoke, String error) {
    return add(
        invoke.process(), Op.Type.FAIL, invoke.f(), invoke.key(), invoke.value(), invoke.node(),
        error);
  }

  public synchronized Op info(Op invoke, String error) {
    return add(
        invoke.process(), Op.Type.INFO, invoke.f(), invoke.key(), invoke.value(), invoke.node(),
        error);
  }

  private Op add(
      int process, Op.Type type, Op.F f, String key, Object value, String node, String error) {
    Op op = new Op(ops.size(), process, type, f, key, value, System.nanoTime() - origin, node,
        error);
    ops.add(op);
    return op;
  }

  /** Appends an already built event (tests and hand-made histories); its index is reassigned. */
  public synchronized Op add(Op op) {
    Op copy = new Op(ops.size(), op.process(), op.type(), op.f(), op.key(), op.value(),
        op.nanos(), op.node(), op.error());
    ops.add(copy);
    return copy;
  }

  public synchronized List<Op> ops() {
    return List.copyOf(ops);
  }

  public synchronized int size() {
    return ops.size();
  }

  /** Nanoseconds since this history's origin. */
  public long now() {
    return System.nanoTime() - origin;
  }

  /**
   * Pairs each invocation with its completion. An invocation without completion (the run ended
   * while it was in flight) is completed as {@link Op.Type#INFO} at +infinity.
   */
  public static List<Operation> complete(List<Op> ops) {
    Map<Integer, Op> pending = new HashMap<>();
    List<Operation> out = new ArrayList<>();
    Map<Integer, Integer> slot = new HashMap<>();
    for (Op op : ops) {
      if (op.type() == Op.Type.INVOKE) {
        if (pending.put(op.process(), op) != null) {
          throw new IllegalArgumentException("process " + op.process()
              + " invoked twice without completion, at " + op);
        }
        slot.put(op.process(), out.size());
        out.add(null);
      } else {
        Op inv = pending.remove(op.process());
        if (inv == null) {
          throw new IllegalArgumentException("completion without invocation: " + op);
        }
        out.set(slot.remove(op.process()), Operation.of(inv, op));
      }
    }
    for (Map.Entry<Integer, Op> e : pending.entrySet()) {
      out.set(slot.get(e.getKey()), Operation.of(e.getValue(), null));
    }
    return out;
  }
}
