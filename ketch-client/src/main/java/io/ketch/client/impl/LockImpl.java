package io.ketch.client.impl;

import com.google.protobuf.ByteString;
import io.ketch.api.v3lockpb.LockGrpc;
import io.ketch.api.v3lockpb.LockRequest;
import io.ketch.api.v3lockpb.LockResponse;
import io.ketch.api.v3lockpb.UnlockRequest;
import io.ketch.api.v3lockpb.UnlockResponse;
import io.ketch.client.Lock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** {@link Lock} over a {@link Connection}; lock names and keys live in the client's namespace. */
public final class LockImpl implements Lock {
  private final Connection conn;
  private final Duration timeout;

  /** The service over {@code conn}, each call with deadline {@code timeout} (null: none). */
  public LockImpl(Connection conn, Duration timeout) {
    this.conn = conn;
    this.timeout = timeout;
  }

  @Override
  public CompletableFuture<LockResponse> lock(ByteString name, long leaseId) {
    Namespace ns = conn.namespace();
    LockRequest req = LockRequest.newBuilder().setName(ns.key(name)).setLease(leaseId).build();
    return conn.call(LockGrpc.getLockMethod(), req, Connection.Retry.ONCE, timeout)
        .thenApply(r -> r.toBuilder().setKey(ns.strip(r.getKey())).build());
  }

  @Override
  public CompletableFuture<UnlockResponse> unlock(ByteString key) {
    UnlockRequest req = UnlockRequest.newBuilder().setKey(conn.namespace().key(key)).build();
    return conn.call(LockGrpc.getUnlockMethod(), req, Connection.Retry.ONCE, timeout);
  }

  @Override
  public Lock withTimeout(Duration timeout) {
    return new LockImpl(conn, timeout);
  }
}
