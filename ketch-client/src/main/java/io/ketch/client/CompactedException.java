package io.ketch.client;

import io.grpc.Status;

/**
 * A watch could not start, or resume, at its revision because the server has compacted the
 * history there. {@link #compactRevision()} is the oldest revision still available; a listener
 * that needs every change reloads the current state and watches again from there.
 */
public final class CompactedException extends EtcdException {
  private static final long serialVersionUID = 1L;

  /** The server's compact revision. */
  private final long compactRevision;

  /** The server reported {@code compact_revision} for a watch that wanted an older revision. */
  public CompactedException(long compactRevision) {
    super(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted (compact revision "
        + compactRevision + ")", null);
    this.compactRevision = compactRevision;
  }

  /** The server's compact revision: watching from here or later is possible. */
  public long compactRevision() {
    return compactRevision;
  }
}
