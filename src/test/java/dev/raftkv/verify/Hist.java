package dev.raftkv.verify;

import java.util.ArrayList;
import java.util.List;

/** Builds hand-made histories for checker tests: times are given explicitly, in nanos. */
final class Hist {
  private final List<Op> ops = new ArrayList<>();

  Hist inv(long t, int p, Op.F f, String key, Object value) {
    ops.add(new Op(ops.size(), p, Op.Type.INVOKE, f, key, value, t, null, null));
    return this;
  }

  Hist ok(long t, int p, Op.F f, String key, Object value) {
    ops.add(new Op(ops.size(), p, Op.Type.OK, f, key, value, t, null, null));
    return this;
  }

  Hist fail(long t, int p, Op.F f, String key, Object value) {
    ops.add(new Op(ops.size(), p, Op.Type.FAIL, f, key, value, t, null, "CLUSTERDOWN"));
    return this;
  }

  Hist info(long t, int p, Op.F f, String key, Object value) {
    ops.add(new Op(ops.size(), p, Op.Type.INFO, f, key, value, t, null, "TIMEOUT"));
    return this;
  }

  /** A complete write [t0, t1] of value v on key k by process p. */
  Hist write(int p, String k, String v, long t0, long t1) {
    return inv(t0, p, Op.F.WRITE, k, v).ok(t1, p, Op.F.WRITE, k, v);
  }

  /** A complete read [t0, t1] of key k by process p that returned v. */
  Hist read(int p, String k, String v, long t0, long t1) {
    return inv(t0, p, Op.F.READ, k, null).ok(t1, p, Op.F.READ, k, v);
  }

  List<Op> ops() {
    // Events must be in time order, as a History records them.
    List<Op> sorted = new ArrayList<>(ops);
    sorted.sort((a, b) -> Long.compare(a.nanos(), b.nanos()));
    return sorted;
  }
}
