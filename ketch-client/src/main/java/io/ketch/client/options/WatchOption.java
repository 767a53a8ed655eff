package io.ketch.client.options;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.WatchCreateRequest;

/**
 * Immutable options of a watch: which keys, from which revision, which events and which extra
 * responses. {@code WatchOption.DEFAULT} watches one key from the next revision.
 */
public final class WatchOption {
  /** One key, from now on, puts and deletes, no previous key-values. */
  public static final WatchOption DEFAULT = builder().build();

  private final KeyRange range;
  private final long startRevision;
  private final boolean prevKv;
  private final boolean noPut;
  private final boolean noDelete;
  private final boolean progressNotify;
  private final boolean createdNotify;
  private final boolean fragment;

  private WatchOption(Builder b) {
    range = b.range;
    startRevision = b.startRevision;
    prevKv = b.prevKv;
    noPut = b.noPut;
    noDelete = b.noDelete;
    progressNotify = b.progressNotify;
    createdNotify = b.createdNotify;
    fragment = b.fragment;
  }

  /** A builder starting from {@link #DEFAULT}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The create request for {@code key}, without watch ID or start revision (the client sets those). */
  public WatchCreateRequest toRequest(ByteString key) {
    WatchCreateRequest.Builder b = WatchCreateRequest.newBuilder()
        .setKey(range.key(key))
        .setRangeEnd(range.rangeEnd(key))
        .setStartRevision(startRevision)
        .setPrevKv(prevKv)
        .setProgressNotify(progressNotify)
        .setFragment(fragment);
    if (noPut) {
      b.addFilters(WatchCreateRequest.FilterType.NOPUT);
    }
    if (noDelete) {
      b.addFilters(WatchCreateRequest.FilterType.NODELETE);
    }
    return b.build();
  }

  /** The first revision to deliver (0: the revision after the current one). */
  public long startRevision() {
    return startRevision;
  }

  /** Whether the listener is also given the server's "created" response. */
  public boolean createdNotify() {
    return createdNotify;
  }

  /** Builds a {@link WatchOption}; every setter returns this builder. */
  public static final class Builder extends KeyRangeBuilder<Builder> {
    private long startRevision;
    private boolean prevKv;
    private boolean noPut;
    private boolean noDelete;
    private boolean progressNotify;
    private boolean createdNotify;
    private boolean fragment;

    private Builder() {}

    /** Deliver events from this revision on (history included); 0 means from the next revision. */
    public Builder withStartRevision(long revision) {
      this.startRevision = revision;
      return this;
    }

    /** Include each key's previous key-value in its events. */
    public Builder withPrevKv() {
      this.prevKv = true;
      return this;
    }

    /** Leave out put events. */
    public Builder withNoPut() {
      this.noPut = true;
      return this;
    }

    /** Leave out delete events. */
    public Builder withNoDelete() {
      this.noDelete = true;
      return this;
    }

    /** Ask the server for periodic empty responses carrying the current revision. */
    public Builder withProgressNotify() {
      this.progressNotify = true;
      return this;
    }

    /** Give the listener the server's "created" response too. */
    public Builder withCreatedNotify() {
      this.createdNotify = true;
      return this;
    }

    /**
     * Let the server split a revision's events over several responses when they exceed its request
     * limit; the client reassembles them, so the listener still sees whole revisions.
     */
    public Builder withFragment() {
      this.fragment = true;
      return this;
    }

    /** The options. */
    public WatchOption build() {
      return new WatchOption(this);
    }
  }
}
