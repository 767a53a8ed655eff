package io.ketch.server.api;

import io.grpc.stub.StreamObserver;
import io.ketch.api.EtcdError;
import io.ketch.api.v3lockpb.LockGrpc;
import io.ketch.api.v3lockpb.LockRequest;
import io.ketch.api.v3lockpb.LockResponse;
import io.ketch.api.v3lockpb.UnlockRequest;
import io.ketch.api.v3lockpb.UnlockResponse;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.auth.Authorizer;
import io.ketch.server.auth.RequestPermissions;
import io.ketch.server.concurrency.Locks;
import java.util.concurrent.CompletableFuture;

/** etcd's v3lockpb.Lock service over {@link Locks}. A Lock call cancelled while waiting leaves the line. */
final class LockService extends LockGrpc.LockImplBase {
  private final Locks locks;

  private final RequestPermissions permissions;

  LockService(Locks locks, RequestPermissions permissions) {
    this.locks = locks;
    this.permissions = permissions;
  }

  @Override
  public void lock(LockRequest r, StreamObserver<LockResponse> out) {
    if (denied(permissions.checkRecipe(Authorizer.caller(), r.getName(), true), out)) {
      return;
    }
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
    if (denied(permissions.checkWrite(Authorizer.caller(), r.getKey()), out)) {
      return;
    }
    locks.unlock(r.getKey()).whenComplete((resp, err) -> Replies.replyAsRecipe(resp, err, out));
  }

  /**
   * Answers a refused call as etcd's lock server does (its KV client's error, code UNKNOWN); true if
   * it was refused.
   */
  static boolean denied(EtcdError error, StreamObserver<?> out) {
    if (error == null) {
      return false;
    }
    Replies.replyAsRecipe(null, new EtcdException(error), out);
    return true;
  }
}
