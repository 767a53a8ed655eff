package io.ketch.server.mvcc;

/**
 * A point in the store's history: {@code main} is the store revision of a write (one per Put, one per
 * Txn or DeleteRange that changed something), {@code sub} orders the changes inside it.
 *
 * <p>Encoded as etcd does, so the {@code key} bucket is ordered by revision: 8 bytes big-endian
 * {@code main}, {@code '_'}, 8 bytes big-endian {@code sub}, and a trailing {@code 't'} for a
 * tombstone (a deletion).
 */
public record Revision(long main, long sub) implements Comparable<Revision> {
  /** Length of an encoded revision without the tombstone mark. */
  public static final int BYTES = 17;
  private static final byte TOMBSTONE = 't';

  @Override
  public int compareTo(Revision o) {
    int c = Long.compare(main, o.main);
    return c != 0 ? c : Long.compare(sub, o.sub);
  }

  public boolean greaterThan(Revision o) {
    return compareTo(o) > 0;
  }

  /** The backend key of this revision. */
  public byte[] toBytes(boolean tombstone) {
    byte[] b = new byte[tombstone ? BYTES + 1 : BYTES];
    putLong(b, 0, main);
    b[8] = '_';
    putLong(b, 9, sub);
    if (tombstone) {
      b[BYTES] = TOMBSTONE;
    }
    return b;
  }

  /** Decodes a backend key written by {@link #toBytes(boolean)}. */
  public static Revision fromBytes(byte[] b) {
    if (b.length != BYTES && b.length != BYTES + 1) {
      throw new IllegalArgumentException("revision key must be 17 or 18 bytes, got " + b.length);
    }
    return new Revision(getLong(b, 0), getLong(b, 9));
  }

  /** Whether a backend key marks a deletion. */
  public static boolean isTombstone(byte[] b) {
    return b.length == BYTES + 1 && b[BYTES] == TOMBSTONE;
  }

  /** The smallest backend key with main revision {@code main}. */
  public static byte[] startOf(long main) {
    return new Revision(main, 0).toBytes(false);
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }

  @Override
  public String toString() {
    return main + "_" + sub;
  }
}
