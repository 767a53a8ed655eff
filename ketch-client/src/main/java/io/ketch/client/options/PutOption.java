package io.ketch.client.options;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.PutRequest;

/** Immutable options of a put: lease, previous key-value, keep the value or the lease. */
public final class PutOption {
  /** No lease, nothing returned but the header. */
  public static final PutOption DEFAULT = builder().build();

  private final long lease;
  private final boolean prevKv;
  private final boolean ignoreValue;
  private final boolean ignoreLease;

  private PutOption(Builder b) {
    lease = b.lease;
    prevKv = b.prevKv;
    ignoreValue = b.ignoreValue;
    ignoreLease = b.ignoreLease;
  }

  /** A builder starting from {@link #DEFAULT}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The request these options make for {@code key} and {@code value}. */
  public PutRequest toRequest(ByteString key, ByteString value) {
    return PutRequest.newBuilder()
        .setKey(key)
        .setValue(value)
        .setLease(lease)
        .setPrevKv(prevKv)
        .setIgnoreValue(ignoreValue)
        .setIgnoreLease(ignoreLease)
        .build();
  }

  /** Builds a {@link PutOption}; every setter returns this builder. */
  public static final class Builder {
    private long lease;
    private boolean prevKv;
    private boolean ignoreValue;
    private boolean ignoreLease;

    private Builder() {}

    /** Attach the key to this lease (0: none); the key is deleted when the lease ends. */
    public Builder withLease(long lease) {
      this.lease = lease;
      return this;
    }

    /** Return the key-value as it was before the put. */
    public Builder withPrevKv() {
      this.prevKv = true;
      return this;
    }

    /** Keep the current value (the key must exist); the value given must be empty. */
    public Builder withIgnoreValue() {
      this.ignoreValue = true;
      return this;
    }

    /** Keep the current lease (the key must exist); no lease may be given. */
    public Builder withIgnoreLease() {
      this.ignoreLease = true;
      return this;
    }

    /** The options. */
    public PutOption build() {
      return new PutOption(this);
    }
  }
}
