package io.ketch.server.api;

import io.grpc.stub.StreamObserver;
import io.ketch.api.v3lockpb.LockGrpc;
import io.ketch.api.v3lockpb.LockRequest;
import io.ketch.api.v3lockpb.LockResponse;
import io.ketch.api.v3lockpb.UnlockRequest;
import io.ketch.api.v3lockpb.UnlockResponse;
import io.ketch.server.concurrency.Locks;
import java.util.concurrent.CompletableFuture;

/** etcd's v3lockpb.Lock service over {@link Locks}. A Lock call cancelled while waiting leaves the line. */
final class LockService extends LockGrpc.LockImplBase {
  private final Locks locks;

  LockService(Locks locks) {
    this.locks = locks;
  }

  @Override
  public void lock(LockRequest r, StreamObserver<LockResponse> out) {
    CompletableFuture<Void> cancelled = CallCancellation.of(out);
    locks.lock(r.getName(), r.getLease(), cancelled).whenComplete((resp, err) -> {
      if (!cancelled.isDone()) {
        Replies.replyAsRecipe(resp, err, out);
      }
      cancelled.complete(null); // the call is over: release what waited on it
    });
  }

  @Override
  public void unlock(UnlockRequest r, StreamObserver<UnlockResponse> out) {
    locks.unlock(r.getKey()).whenComplete((resp, err) -> Replies.replyAsRecipe(resp, err, out));
  }
}
