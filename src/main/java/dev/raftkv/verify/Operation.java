package dev.raftkv.verify;

/**
 * An invocation paired with its completion: the unit the checkers reason about.
 *
 * @param invoke the invocation event
 * @param complete the completion event, or null when the run ended before it
 * @param outcome {@link Op.Type#OK}, {@link Op.Type#FAIL} or {@link Op.Type#INFO}
 * @param start invocation time (nanos)
 * @param end completion time for ok and fail; {@link Long#MAX_VALUE} for info (an operation with
 *     unknown outcome may take effect at any later time)
 */
public record Operation(Op invoke, Op complete, Op.Type outcome, long start, long end) {

  static Operation of(Op invoke, Op complete) {
    Op.Type outcome = complete == null ? Op.Type.INFO : complete.type();
    long end = outcome == Op.Type.INFO ? Long.MAX_VALUE : complete.nanos();
    return new Operation(invoke, complete, outcome, invoke.nanos(), end);
  }

  public Op.F f() {
    return invoke.f();
  }

  public String key() {
    return invoke.key();
  }

  public int process() {
    return invoke.process();
  }

  /** The value written (write), the delta (incr) or the value read (read, when ok). */
  public Object input() {
    return invoke.value();
  }

  /** The completion's value: for an ok read the value read, for an ok incr the value returned. */
  public Object output() {
    return complete == null ? null : complete.value();
  }

  public boolean ok() {
    return outcome == Op.Type.OK;
  }

  @Override
  public String toString() {
    String endS = end == Long.MAX_VALUE ? "inf" : String.format("%.6f", end / 1e9);
    String val;
    if (f() == Op.F.READ) {
      val = ok() ? String.valueOf(output()) : "?";
    } else if (f() == Op.F.INCR) {
      val = "+" + input() + (ok() ? " -> " + output() : "");
    } else {
      val = String.valueOf(input());
    }
    return String.format("[%.6f..%s] p%d %s %s %s %s%s%s", start / 1e9, endS, process(), outcome,
        f(), key(), val, invoke.node() == null ? "" : " @" + invoke.node(),
        complete != null && complete.error() != null ? " (" + complete.error() + ")" : "");
  }
}
