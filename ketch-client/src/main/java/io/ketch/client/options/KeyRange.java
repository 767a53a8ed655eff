package io.ketch.client.options;

import com.google.protobuf.ByteString;

/**
 * How an option turns a key into etcd's {@code [key, range_end)}: one key, an explicit end, every
 * key with the key as prefix, or every key from the key on.
 */
public final class KeyRange {
  /** etcd's {@code range_end} meaning "no upper bound": a single zero byte. */
  public static final ByteString FROM_KEY_END = ByteString.copyFrom(new byte[] {0});

  private enum Kind { SINGLE, END, PREFIX, FROM_KEY }

  private final Kind kind;
  private final ByteString end;

  private KeyRange(Kind kind, ByteString end) {
    this.kind = kind;
    this.end = end;
  }

  /** Just the key itself. */
  public static final KeyRange SINGLE = new KeyRange(Kind.SINGLE, ByteString.EMPTY);

  /** Keys in {@code [key, end)}. */
  public static KeyRange until(ByteString end) {
    return new KeyRange(Kind.END, end);
  }

  /** Keys starting with the key (all keys when the key is empty). */
  public static final KeyRange PREFIX = new KeyRange(Kind.PREFIX, ByteString.EMPTY);

  /** Keys greater than or equal to the key. */
  public static final KeyRange FROM_KEY = new KeyRange(Kind.FROM_KEY, ByteString.EMPTY);

  /**
   * The key to send: as given, except that a prefix or from-key range of the empty key starts at
   * a single zero byte (the first key there can be), as clientv3 does.
   */
  public ByteString key(ByteString key) {
    return key.isEmpty() && (kind == Kind.PREFIX || kind == Kind.FROM_KEY) ? FROM_KEY_END : key;
  }

  /** The {@code range_end} to send with {@code key}: empty for a single key. */
  public ByteString rangeEnd(ByteString key) {
    switch (kind) {
      case END:
        return end;
      case PREFIX:
        return key.isEmpty() ? FROM_KEY_END : prefixEnd(key);
      case FROM_KEY:
        return FROM_KEY_END;
      default:
        return ByteString.EMPTY;
    }
  }

  /**
   * The first key after every key that starts with {@code prefix}: the prefix with its last byte
   * below 0xff incremented and what follows dropped; {@link #FROM_KEY_END} when every byte is 0xff.
   */
  public static ByteString prefixEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    for (int i = b.length - 1; i >= 0; i--) {
      if ((b[i] & 0xff) != 0xff) {
        b[i]++;
        return ByteString.copyFrom(b, 0, i + 1);
      }
    }
    return FROM_KEY_END;
  }
}
