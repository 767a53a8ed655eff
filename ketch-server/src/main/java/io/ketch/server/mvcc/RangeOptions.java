package io.ketch.server.mvcc;

/**
 * How a range reads: at most {@code limit} key-values (0: all), at store revision {@code rev} (<= 0:
 * the newest), only their number when {@code countOnly}, and without their values when {@code
 * keysOnly} (then no value is read from the backend at all).
 */
public record RangeOptions(long limit, long rev, boolean countOnly, boolean keysOnly) {
  public static final RangeOptions ALL = new RangeOptions(0, 0, false, false);

  public RangeOptions(long limit, long rev, boolean countOnly) {
    this(limit, rev, countOnly, false);
  }
}
