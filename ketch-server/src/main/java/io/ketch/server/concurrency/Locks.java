package io.ketch.server.concurrency;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.api.v3lockpb.LockResponse;
import io.ketch.api.v3lockpb.UnlockResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The Lock service's logic, as etcd's server runs clientv3's Mutex: the locker's key is
 * {@code name/<lease in hex>}, attached to its lease; it holds the lock once every key under
 * {@code name/} created before its own is gone. The lock ends when the key is deleted: by Unlock,
 * or by the lease ending.
 *
 * <p>Unlike etcd, a lock request without a lease is refused: etcd then grants its own 60 s lease
 * and stops keeping it alive when the call returns, so the lock silently lapses a minute later.
 */
public final class Locks {
  private final KvClient kv;
  private final DeleteWaiter waiter;

  public Locks(KvClient kv, KeyChanges changes) {
    this.kv = kv;
    this.waiter = new DeleteWaiter(kv, changes);
  }

  /**
   * Acquires lock {@code name} for {@code lease}; completes once held. If {@code cancelled}
   * completes first (the client gave up), the locker's key is deleted and the result fails.
   */
  public CompletableFuture<LockResponse> lock(ByteString name, long lease, CompletableFuture<Void> cancelled) {
    if (lease == 0) {
      return Ops.leaseRequired("a lock", "LockRequest.lease");
    }
    ByteString prefix = Ops.prefixOf(name);
    ByteString myKey = Ops.sessionKey(name, lease);
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(Ops.createRevisionIs(myKey, 0))
        .addSuccess(Ops.put(myKey, ByteString.EMPTY, lease))
        .addSuccess(Ops.get(Ops.firstCreated(prefix)))
        .addFailure(Ops.get(myKey))
        .addFailure(Ops.get(Ops.firstCreated(prefix)))
        .build();
    return kv.txn(txn).thenCompose(resp -> {
      long myRev = resp.getSucceeded()
          ? resp.getHeader().getRevision()
          : resp.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
      var owner = resp.getResponses(1).getResponseRange().getKvsList();
      if (owner.isEmpty() || owner.get(0).getCreateRevision() == myRev) {
        return CompletableFuture.completedFuture(held(resp, myKey));
      }
      return waiter.waitDeletes(prefix, myRev - 1, cancelled)
          .thenApply(header -> LockResponse.newBuilder().setHeader(header).setKey(myKey).build())
          .whenComplete((r, err) -> {
            if (err != null) {
              kv.delete(DeleteRangeRequest.newBuilder().setKey(myKey).build()); // give up our place in line
            }
          });
    });
  }

  private static LockResponse held(TxnResponse resp, ByteString key) {
    return LockResponse.newBuilder().setHeader(resp.getHeader()).setKey(key).build();
  }

  /** Releases a lock by deleting its key (whoever holds it). */
  public CompletableFuture<UnlockResponse> unlock(ByteString key) {
    return kv.delete(DeleteRangeRequest.newBuilder().setKey(key).build())
        .thenApply(r -> UnlockResponse.newBuilder().setHeader(r.getHeader()).build());
  }
}
