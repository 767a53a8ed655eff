package io.ketch.server.lease;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Server-assigned lease IDs, made as etcd's ID generator makes them: the member ID's low 16 bits,
 * then the start time in milliseconds (40 bits) and a counter (8 bits) that together count up, so
 * IDs are unique per member and across restarts; the sign bit is cleared (IDs are positive).
 */
public final class LeaseIds {
  private static final int SUFFIX_BITS = 48;
  private static final long SUFFIX_MASK = (1L << SUFFIX_BITS) - 1;

  private final long prefix;
  private final AtomicLong suffix;

  public LeaseIds(long memberId, long nowMillis) {
    this.prefix = (memberId & 0xffffL) << SUFFIX_BITS;
    this.suffix = new AtomicLong((nowMillis & ((1L << 40) - 1)) << 8);
  }

  /** The next ID; never 0. */
  public long next() {
    long id;
    do {
      id = (prefix | (suffix.incrementAndGet() & SUFFIX_MASK)) & Long.MAX_VALUE;
    } while (id == 0);
    return id;
  }
}
