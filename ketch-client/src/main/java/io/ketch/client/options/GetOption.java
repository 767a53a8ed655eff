package io.ketch.client.options;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.RangeRequest;

/**
 * Immutable options of a get (etcd's Range): which keys, at which revision, how many, in which
 * order, and what to return. {@code GetOption.DEFAULT} reads one key linearizably at the latest
 * revision.
 */
public final class GetOption {
  /** One key, latest revision, linearizable, whole key-values. */
  public static final GetOption DEFAULT = builder().build();

  private final KeyRange range;
  private final long limit;
  private final long revision;
  private final RangeRequest.SortOrder sortOrder;
  private final RangeRequest.SortTarget sortTarget;
  private final boolean serializable;
  private final boolean keysOnly;
  private final boolean countOnly;
  private final long minModRevision;
  private final long maxModRevision;
  private final long minCreateRevision;
  private final long maxCreateRevision;

  private GetOption(Builder b) {
    range = b.range;
    limit = b.limit;
    revision = b.revision;
    sortOrder = b.sortOrder;
    sortTarget = b.sortTarget;
    serializable = b.serializable;
    keysOnly = b.keysOnly;
    countOnly = b.countOnly;
    minModRevision = b.minModRevision;
    maxModRevision = b.maxModRevision;
    minCreateRevision = b.minCreateRevision;
    maxCreateRevision = b.maxCreateRevision;
  }

  /** A builder starting from {@link #DEFAULT}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The request these options make for {@code key}. */
  public RangeRequest toRequest(ByteString key) {
    return RangeRequest.newBuilder()
        .setKey(range.key(key))
        .setRangeEnd(range.rangeEnd(key))
        .setLimit(limit)
        .setRevision(revision)
        .setSortOrder(sortOrder)
        .setSortTarget(sortTarget)
        .setSerializable(serializable)
        .setKeysOnly(keysOnly)
        .setCountOnly(countOnly)
        .setMinModRevision(minModRevision)
        .setMaxModRevision(maxModRevision)
        .setMinCreateRevision(minCreateRevision)
        .setMaxCreateRevision(maxCreateRevision)
        .build();
  }

  /** Whether these options allow reading from any member without a consensus round. */
  public boolean isSerializable() {
    return serializable;
  }

  /** Builds a {@link GetOption}; every setter returns this builder. */
  public static final class Builder extends KeyRangeBuilder<Builder> {
    private long limit;
    private long revision;
    private RangeRequest.SortOrder sortOrder = RangeRequest.SortOrder.NONE;
    private RangeRequest.SortTarget sortTarget = RangeRequest.SortTarget.KEY;
    private boolean serializable;
    private boolean keysOnly;
    private boolean countOnly;
    private long minModRevision;
    private long maxModRevision;
    private long minCreateRevision;
    private long maxCreateRevision;

    private Builder() {}

    /** At most {@code limit} keys (0: no limit); the response's {@code more} says if there were more. */
    public Builder withLimit(long limit) {
      this.limit = limit;
      return this;
    }

    /** Read at this revision (0: the latest); older than the compact revision fails. */
    public Builder withRevision(long revision) {
      this.revision = revision;
      return this;
    }

    /** Sort by {@code target} in {@code order}. */
    public Builder withSort(RangeRequest.SortTarget target, RangeRequest.SortOrder order) {
      this.sortTarget = target;
      this.sortOrder = order;
      return this;
    }

    /** Serve from the member's local state without a consensus round (may be stale). */
    public Builder withSerializable() {
      this.serializable = true;
      return this;
    }

    /** Return keys without values. */
    public Builder withKeysOnly() {
      this.keysOnly = true;
      return this;
    }

    /** Return only the count of matching keys. */
    public Builder withCountOnly() {
      this.countOnly = true;
      return this;
    }

    /** Only keys last modified at or after {@code rev}. */
    public Builder withMinModRevision(long rev) {
      this.minModRevision = rev;
      return this;
    }

    /** Only keys last modified at or before {@code rev}. */
    public Builder withMaxModRevision(long rev) {
      this.maxModRevision = rev;
      return this;
    }

    /** Only keys created at or after {@code rev}. */
    public Builder withMinCreateRevision(long rev) {
      this.minCreateRevision = rev;
      return this;
    }

    /** Only keys created at or before {@code rev}. */
    public Builder withMaxCreateRevision(long rev) {
      this.maxCreateRevision = rev;
      return this;
    }

    /** The options. */
    public GetOption build() {
      return new GetOption(this);
    }
  }
}
