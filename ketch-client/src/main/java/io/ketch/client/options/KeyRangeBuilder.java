package io.ketch.client.options;

import com.google.protobuf.ByteString;

/**
 * What the builders of options over a key range share: the choice of range. {@code B} is the
 * concrete builder, returned by every setter.
 */
public abstract class KeyRangeBuilder<B extends KeyRangeBuilder<B>> {
  /** The range chosen so far: the key alone unless a setter said otherwise. */
  KeyRange range = KeyRange.SINGLE;

  KeyRangeBuilder() {}

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** Keys in {@code [key, end)}. */
  public B withRangeEnd(ByteString end) {
    range = KeyRange.until(end);
    return self();
  }

  /** Every key starting with the key (every key when the key is empty). */
  public B withPrefix() {
    range = KeyRange.PREFIX;
    return self();
  }

  /** Every key from the key on. */
  public B withFromKey() {
    range = KeyRange.FROM_KEY;
    return self();
  }
}
