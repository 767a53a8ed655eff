package io.ketch.server.apply;

import com.google.protobuf.ByteString;

/** etcd's encoding of a key range's end, turned into the MVCC store's. */
final class KeyRange {
  private static final byte[] UNBOUNDED = new byte[0];

  private KeyRange() {}

  /**
   * The store's range end for a request's {@code range_end}: absent means the single key
   * ({@code null}), {@code "\0"} means every key from the start key on (empty array), anything else
   * is the exclusive end.
   */
  static byte[] end(ByteString rangeEnd) {
    if (rangeEnd.isEmpty()) {
      return null;
    }
    if (rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0) {
      return UNBOUNDED;
    }
    return rangeEnd.toByteArray();
  }
}
