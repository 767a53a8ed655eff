package io.ketch.client.concurrency;

import io.ketch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.ketch.client.Client;
import io.ketch.client.Lease;
import io.ketch.client.LeaseLostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A lease kept alive for as long as this process wants it, as clientv3's
 * {@code concurrency.Session}: the locks and elections built on it hold while the session lives,
 * and are released by the server when the process dies and the lease expires.
 */
public final class Session implements AutoCloseable {
  /** clientv3's default session TTL, in seconds. */
  public static final long DEFAULT_TTL = 60;

  private final Client client;
  private final long leaseId;
  private final long ttl;
  private final Lease.KeepAlive keepAlive;
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  private Session(Client client, long leaseId, long ttl) {
    this.client = client;
    this.leaseId = leaseId;
    this.ttl = ttl;
    this.keepAlive = client.lease().keepAlive(leaseId, new Lease.KeepAliveListener() {
      @Override
      public void onKeepAlive(LeaseKeepAliveResponse r) {}

      @Override
      public void onLost(LeaseLostException e) {
        done.completeExceptionally(e);
      }
    });
  }

  /** A new session on a new lease of {@link #DEFAULT_TTL} seconds. Blocks until the lease is granted. */
  public static Session create(Client client) {
    return create(client, DEFAULT_TTL);
  }

  /** A new session on a new lease of {@code ttlSeconds}. Blocks until the lease is granted. */
  public static Session create(Client client, long ttlSeconds) {
    long id = Futures.await(client.lease().grant(ttlSeconds)).getID();
    return new Session(client, id, ttlSeconds);
  }

  /** A session on an existing lease (kept alive from now on; revoked on close). */
  public static Session onLease(Client client, long leaseId) {
    long ttl = Futures.await(client.lease().timeToLive(leaseId, false)).getGrantedTTL();
    return new Session(client, leaseId, ttl);
  }

  /** The client this session uses. */
  public Client client() {
    return client;
  }

  /** The session's lease ID. */
  public long leaseId() {
    return leaseId;
  }

  /** The lease's granted TTL in seconds. */
  public long ttl() {
    return ttl;
  }

  /**
   * Completes normally when the session is closed, exceptionally with a {@link LeaseLostException}
   * when the lease is lost (its locks and leaderships are then gone too).
   */
  public CompletableFuture<Void> done() {
    return done;
  }

  /** Stops renewing the lease without revoking it: it expires after its TTL. */
  public void orphan() {
    keepAlive.close();
    done.complete(null);
  }

  /** Stops renewing and revokes the lease (waiting up to the TTL), releasing what was held with it. */
  @Override
  public void close() {
    orphan();
    try {
      client.lease().revoke(leaseId).get(Math.max(1, ttl), TimeUnit.SECONDS);
    } catch (Exception e) {
      // the lease expires by itself after its TTL
    }
  }
}
