package io.ketch.cli.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/** Latencies of a fixed number of requests, recorded lock-free, summarised as percentiles. */
final class LatencyRecorder {
  private final long[] nanos;
  private final AtomicInteger next = new AtomicInteger();

  LatencyRecorder(int capacity) {
    this.nanos = new long[capacity];
  }

  void record(long latencyNanos) {
    int i = next.getAndIncrement();
    if (i < nanos.length) {
      nanos[i] = latencyNanos;
    }
  }

  /** Sorted copy of what was recorded. */
  long[] sorted() {
    long[] s = Arrays.copyOf(nanos, Math.min(next.get(), nanos.length));
    Arrays.sort(s);
    return s;
  }

  /** "p50 … p90 … p99 … p99.9 … max …" in milliseconds, as every load reports it. */
  static String summary(long[] sorted) {
    return String.format("p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f", percentileMillis(sorted, 50),
        percentileMillis(sorted, 90), percentileMillis(sorted, 99), percentileMillis(sorted, 99.9),
        percentileMillis(sorted, 100));
  }

  static double percentileMillis(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }
}
