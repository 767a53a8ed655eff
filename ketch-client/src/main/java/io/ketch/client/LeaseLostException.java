package io.ketch.client;

import io.grpc.Status;

/**
 * A lease kept alive by {@link Lease#keepAlive} is gone: the server answered that it expired or
 * was revoked, or no renewal succeeded before its last known TTL ran out (the lease may then
 * already be expired on the server, and its keys deleted).
 */
public final class LeaseLostException extends EtcdException {
  private static final long serialVersionUID = 1L;

  /** The lost lease. */
  private final long leaseId;

  /** Lease {@code leaseId} was lost for the given reason. */
  public LeaseLostException(long leaseId, String reason) {
    super(Status.Code.NOT_FOUND, "lease " + Long.toHexString(leaseId) + " lost: " + reason, null);
    this.leaseId = leaseId;
  }

  /** The lost lease's ID. */
  public long leaseId() {
    return leaseId;
  }
}
