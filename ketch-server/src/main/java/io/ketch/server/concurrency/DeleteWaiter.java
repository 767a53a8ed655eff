package io.ketch.server.concurrency;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * clientv3's waitDeletes: waits until every key under a prefix created at or before a revision is
 * gone, newest first — what a lock waiter or a candidate waits for before it holds the lock or leads.
 */
final class DeleteWaiter {
  private final KvClient kv;
  private final KeyChanges changes;

  DeleteWaiter(KvClient kv, KeyChanges changes) {
    this.kv = kv;
    this.changes = changes;
  }

  /**
   * Completes with the header of the read that found no such key left, or fails with
   * {@link CancellationException} once {@code cancelled} completes first.
   */
  CompletableFuture<ResponseHeader> waitDeletes(ByteString prefix, long maxCreateRev, CompletableFuture<Void> cancelled) {
    if (cancelled.isDone()) {
      return CompletableFuture.failedFuture(new CancellationException("the call was cancelled"));
    }
    return kv.range(Ops.lastCreatedUpTo(prefix, maxCreateRev)).thenCompose(r -> {
      if (r.getKvsCount() == 0) {
        return CompletableFuture.completedFuture(r.getHeader());
      }
      return waitDelete(r.getKvs(0), cancelled).thenCompose(v -> waitDeletes(prefix, maxCreateRev, cancelled));
    });
  }

  /** Completes once {@code kv}'s key is deleted (or was already replaced by a newer creation). */
  private CompletableFuture<Void> waitDelete(KeyValue kv0, CompletableFuture<Void> cancelled) {
    CompletableFuture<Void> deleted = new CompletableFuture<>();
    KeyChanges.Subscription sub = changes.onKey(kv0.getKey(), e -> {
      if (e.getType() == Event.EventType.DELETE) {
        deleted.complete(null);
      }
    });
    deleted.whenComplete((v, err) -> sub.close());
    cancelled.whenComplete((v, err) -> deleted.completeExceptionally(new CancellationException("the call was cancelled")));
    // subscribed first, read second: a delete is either heard or no longer in what we read
    kv.range(RangeRequest.newBuilder().setKey(kv0.getKey()).build()).whenComplete((r, err) -> {
      if (err != null) {
        deleted.completeExceptionally(err);
      } else if (r.getKvsCount() == 0 || r.getKvs(0).getCreateRevision() != kv0.getCreateRevision()) {
        deleted.complete(null);
      }
    });
    return deleted;
  }
}
