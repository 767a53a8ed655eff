package io.ketch.server.mvcc;

/**
 * How a range reads: at most {@code limit} key-values (0: all), at store revision {@code rev} (<= 0:
 * the newest), or only their number when {@code countOnly}.
 */
public record RangeOptions(long limit, long rev, boolean countOnly) {
  public static final RangeOptions ALL = new RangeOptions(0, 0, false);
}
