package io.ketch.client.options;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;

/** Immutable options of a delete: which keys, and whether to return what was deleted. */
public final class DeleteOption {
  /** One key, nothing returned but the count. */
  public static final DeleteOption DEFAULT = builder().build();

  private final KeyRange range;
  private final boolean prevKv;

  private DeleteOption(Builder b) {
    range = b.range;
    prevKv = b.prevKv;
  }

  /** A builder starting from {@link #DEFAULT}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The request these options make for {@code key}. */
  public DeleteRangeRequest toRequest(ByteString key) {
    return DeleteRangeRequest.newBuilder().setKey(range.key(key)).setRangeEnd(range.rangeEnd(key)).setPrevKv(prevKv).build();
  }

  /** Builds a {@link DeleteOption}; every setter returns this builder. */
  public static final class Builder extends KeyRangeBuilder<Builder> {
    private boolean prevKv;

    private Builder() {}

    /** Return the deleted key-values. */
    public Builder withPrevKv() {
      this.prevKv = true;
      return this;
    }

    /** The options. */
    public DeleteOption build() {
      return new DeleteOption(this);
    }
  }
}
