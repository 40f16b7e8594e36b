package dev.raftkv.resp;

import java.util.concurrent.atomic.LongAdder;

/**
 * Latencies of one command in fixed buckets, for the Prometheus endpoint. Recording is lock-free
 * and allocation-free (a short scan of the bounds and two {@link LongAdder} increments), so it can
 * run on the event loop for every command. Never reset: Prometheus counters only grow.
 */
public final class LatencyHistogram {
  /** Upper bounds of the buckets in seconds, Prometheus' {@code le} values (then +Inf). */
  public static final double[] BOUNDS_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
      0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  private static final long[] BOUNDS_NANOS = new long[BOUNDS_SECONDS.length];

  static {
    for (int i = 0; i < BOUNDS_SECONDS.length; i++) {
      BOUNDS_NANOS[i] = Math.round(BOUNDS_SECONDS[i] * 1e9);
    }
  }

  /** Per bucket (not cumulative); the last one is above the highest bound. */
  private final LongAdder[] counts = new LongAdder[BOUNDS_NANOS.length + 1];
  private final LongAdder sumNanos = new LongAdder();
  private final LongAdder errors = new LongAdder();

  LatencyHistogram() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  void record(long nanos, boolean error) {
    int i = 0;
    while (i < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[i]) {
      i++;
    }
    counts[i].increment();
    sumNanos.add(Math.max(0, nanos));
    if (error) {
      errors.increment();
    }
  }

  /** Cumulative counts per bound, then the total (the +Inf bucket). */
  public long[] cumulative() {
    long[] c = new long[counts.length];
    long run = 0;
    for (int i = 0; i < counts.length; i++) {
      run += counts[i].sum();
      c[i] = run;
    }
    return c;
  }

  public double sumSeconds() {
    return sumNanos.sum() / 1e9;
  }

  /** Calls answered with an error reply. */
  public long errors() {
    return errors.sum();
  }
}
