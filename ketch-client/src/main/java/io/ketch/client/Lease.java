package io.ketch.client;

import io.ketch.api.etcdserverpb.LeaseGrantResponse;
import io.ketch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.ketch.api.etcdserverpb.LeaseLeasesResponse;
import io.ketch.api.etcdserverpb.LeaseRevokeResponse;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Lease service. Grant is sent once; revoke, time-to-live, the lease list and keepalives are
 * repeatable and repeated on another endpoint when one is unavailable.
 */
public interface Lease {
  /** Grants a lease of {@code ttlSeconds} with a server-chosen ID. Sent once. */
  default CompletableFuture<LeaseGrantResponse> grant(long ttlSeconds) {
    return grant(ttlSeconds, 0);
  }

  /** Grants a lease of {@code ttlSeconds} with this ID (0: server-chosen). Sent once. */
  CompletableFuture<LeaseGrantResponse> grant(long ttlSeconds, long id);

  /** Revokes the lease, deleting its keys. Repeatable (a repeat answers "lease not found"). */
  CompletableFuture<LeaseRevokeResponse> revoke(long id);

  /** The lease's granted and remaining TTL (-1 if unknown) and, with {@code keys}, its keys. */
  CompletableFuture<LeaseTimeToLiveResponse> timeToLive(long id, boolean keys);

  /** Every lease's ID. */
  CompletableFuture<LeaseLeasesResponse> leases();

  /**
   * Keeps the lease alive until the returned handle is closed or the lease is lost. All leases of
   * the client share one stream; each is renewed at a third of its TTL, across reconnects and
   * endpoint failures. The listener hears each renewal and, exactly once, about a loss: the server
   * said the lease expired or was revoked, or no renewal succeeded within the last TTL. It is
   * never left without news. Listeners run on the client's listener thread.
   */
  KeepAlive keepAlive(long id, KeepAliveListener listener);

  /** One renewal, on a stream of its own. A TTL of 0 in the answer means the lease is gone. */
  CompletableFuture<LeaseKeepAliveResponse> keepAliveOnce(long id);

  /** This Lease with another deadline for each unary call (null: none). */
  Lease withTimeout(Duration timeout);

  /** Hears about one lease kept alive by {@link #keepAlive}. */
  interface KeepAliveListener {
    /** The lease was renewed; {@code r.getTTL()} is its new TTL. */
    void onKeepAlive(LeaseKeepAliveResponse r);

    /** The lease is lost (a {@link LeaseLostException}); no more calls follow. */
    void onLost(LeaseLostException e);
  }

  /** A lease being kept alive; closing stops renewing it (the lease itself stays until its TTL). */
  interface KeepAlive extends AutoCloseable {
    /** The lease's ID. */
    long leaseId();

    @Override
    void close();
  }
}
