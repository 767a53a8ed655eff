package io.ketch.server.v2;

import com.google.protobuf.ByteString;

/**
 * Where the v2 tree lives in the v3 key space: every key under the reserved prefix
 * {@value #PREFIX} (as etcd's v2v3 emulation keeps its tree under a prefix of the v3 store). v3
 * clients can see these keys; writing them other than through the v2 API breaks the tree.
 *
 * <ul>
 *   <li>{@code PREFIX + "k" + path}: each node ({@link V2Node}); the root is implicit.
 *   <li>{@code PREFIX + "t" + 19-digit expiry + path}: one entry per node with a TTL, so the
 *       expired ones are a range scan away.
 *   <li>{@code PREFIX + "e"}: the last v2 event ({@link V2Event}). Every v2 write puts it, so its
 *       version is the v2 store index and its history is the v2 event history.
 * </ul>
 */
final class V2Keyspace {
  static final String PREFIX = "/_ketch/v2/";
  static final ByteString EVENT = bytes(PREFIX + "e");
  private static final String NODES = PREFIX + "k";
  private static final String TTLS = PREFIX + "t";

  private V2Keyspace() {}

  static ByteString node(String path) {
    return bytes(NODES + path);
  }

  static String pathOf(ByteString nodeKey) {
    return GoBytes.decode(nodeKey.substring(NODES.length()).toByteArray());
  }

  /** The first key below directory {@code dir}. */
  static ByteString below(String dir) {
    return bytes(NODES + (dir.equals(V2Path.ROOT) ? "/" : dir + "/"));
  }

  static ByteString ttl(long expireNanos, String path) {
    return bytes(TTLS + String.format("%019d", expireNanos) + path);
  }

  static ByteString ttlStart() {
    return bytes(TTLS);
  }

  /** The end of the TTL entries expiring at or before {@code cutoffNanos}. */
  static ByteString ttlEnd(long cutoffNanos) {
    return bytes(TTLS + String.format("%019d", cutoffNanos + 1));
  }

  /** The expiry (Unix nanoseconds) of a TTL entry. */
  static long expiryOfTtl(ByteString ttlKey) {
    return Long.parseLong(ttlKey.toStringUtf8().substring(TTLS.length(), TTLS.length() + 19));
  }

  /** The node path of a TTL entry. */
  static String pathOfTtl(ByteString ttlKey) {
    return GoBytes.decode(ttlKey.substring(TTLS.length() + 19).toByteArray());
  }

  /** The end of the range of keys starting with {@code prefix} (etcd's prefix end). */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] != (byte) 0xff) {
        b[i]++;
        return ByteString.copyFrom(b, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(GoBytes.encode(s));
  }
}
