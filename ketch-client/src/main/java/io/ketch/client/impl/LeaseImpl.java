package io.ketch.client.impl;

import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrantResponse;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.ketch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.ketch.api.etcdserverpb.LeaseLeasesRequest;
import io.ketch.api.etcdserverpb.LeaseLeasesResponse;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.api.etcdserverpb.LeaseRevokeResponse;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketch.client.EtcdException;
import io.ketch.client.Lease;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** {@link Lease} over a {@link Connection}; keepalives go through the client's {@link KeepAlives}. */
public final class LeaseImpl implements Lease {
  private final Connection conn;
  private final KeepAlives keepAlives;
  private final Duration timeout;

  /** The service over {@code conn}, each call with deadline {@code timeout} (null: none). */
  public LeaseImpl(Connection conn, Duration timeout) {
    this(conn, new KeepAlives(conn), timeout);
  }

  private LeaseImpl(Connection conn, KeepAlives keepAlives, Duration timeout) {
    this.conn = conn;
    this.keepAlives = keepAlives;
    this.timeout = timeout;
  }

  @Override
  public CompletableFuture<LeaseGrantResponse> grant(long ttlSeconds, long id) {
    LeaseGrantRequest req = LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).setID(id).build();
    return conn.call(LeaseGrpc.getLeaseGrantMethod(), req, Connection.Retry.ONCE, timeout);
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> revoke(long id) {
    return conn.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(id).build(),
        Connection.Retry.REPEATABLE, timeout);
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(long id, boolean keys) {
    Namespace ns = conn.namespace();
    LeaseTimeToLiveRequest req = LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(keys).build();
    return conn.call(LeaseGrpc.getLeaseTimeToLiveMethod(), req, Connection.Retry.REPEATABLE, timeout)
        .thenApply(r -> {
          if (ns.isEmpty() || r.getKeysCount() == 0) {
            return r;
          }
          LeaseTimeToLiveResponse.Builder b = r.toBuilder().clearKeys();
          r.getKeysList().forEach(k -> b.addKeys(ns.strip(k)));
          return b.build();
        });
  }

  @Override
  public CompletableFuture<LeaseLeasesResponse> leases() {
    return conn.call(LeaseGrpc.getLeaseLeasesMethod(), LeaseLeasesRequest.getDefaultInstance(),
        Connection.Retry.REPEATABLE, timeout);
  }

  @Override
  public KeepAlive keepAlive(long id, KeepAliveListener listener) {
    return keepAlives.add(id, listener);
  }

  @Override
  public CompletableFuture<LeaseKeepAliveResponse> keepAliveOnce(long id) {
    CompletableFuture<LeaseKeepAliveResponse> result = new CompletableFuture<>();
    CompletableFuture<Void> ready = conn.needsToken() ? conn.authenticate() : CompletableFuture.completedFuture(null);
    ready.whenComplete((v, err) -> {
      if (err != null) {
        result.completeExceptionally(EtcdException.of(err));
        return;
      }
      StreamObserver<LeaseKeepAliveRequest> stream = conn.stream(LeaseGrpc.getLeaseKeepAliveMethod(),
          (s, r) -> {
            result.complete(r);
            s.onCompleted();
          },
          (s, e) -> result.completeExceptionally(e != null ? e
              : new EtcdException(io.grpc.Status.Code.UNAVAILABLE, "keepalive stream closed", null)));
      stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    });
    return result;
  }

  @Override
  public Lease withTimeout(Duration timeout) {
    return new LeaseImpl(conn, keepAlives, timeout);
  }
}
