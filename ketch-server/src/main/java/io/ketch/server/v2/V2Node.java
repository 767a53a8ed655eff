package io.ketch.server.v2;


/**
 * One node of the v2 tree as stored: a file with a value or a directory, the indexes it was created
 * and last modified at, and when it expires ({@code expireNanos}, Unix nanoseconds; 0: never).
 *
 * <p>Stored as the value of a v3 key ({@link V2Keyspace#node}) in a line format: {@code d} or
 * {@code f}, the two indexes, the expiry, then the value (which may itself hold newlines).
 */
record V2Node(String path, boolean dir, String value, long createdIndex, long modifiedIndex, long expireNanos) {
  static final V2Node ROOT = new V2Node(V2Path.ROOT, true, null, 0, 0, 0);

  static V2Node file(String path, String value, long index, long expireNanos) {
    return new V2Node(path, false, value, index, index, expireNanos);
  }

  static V2Node directory(String path, long index, long expireNanos) {
    return new V2Node(path, true, null, index, index, expireNanos);
  }

  boolean permanent() {
    return expireNanos == 0;
  }

  V2Node withValue(String newValue, long index) {
    return new V2Node(path, dir, newValue, createdIndex, index, expireNanos);
  }

  V2Node withExpiry(long newExpireNanos) {
    return new V2Node(path, dir, value, createdIndex, modifiedIndex, newExpireNanos);
  }

  byte[] encode() {
    return GoBytes.encode((dir ? "d" : "f") + "\n" + createdIndex + "\n" + modifiedIndex + "\n" + expireNanos + "\n"
        + (dir ? "" : value));
  }

  static V2Node decode(String path, byte[] bytes) {
    String s = GoBytes.decode(bytes);
    int a = s.indexOf('\n');
    int b = s.indexOf('\n', a + 1);
    int c = s.indexOf('\n', b + 1);
    int d = s.indexOf('\n', c + 1);
    if (a != 1 || b < 0 || c < 0 || d < 0) {
      throw new IllegalStateException("not a v2 node record at " + path);
    }
    boolean dir = s.charAt(0) == 'd';
    return new V2Node(path, dir, dir ? null : s.substring(d + 1), Long.parseLong(s.substring(a + 1, b)),
        Long.parseLong(s.substring(b + 1, c)), Long.parseLong(s.substring(c + 1, d)));
  }
}
