package io.ketch.server.api;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** A future that completes when the client cancels the call (or goes away). */
final class CallCancellation {
  private CallCancellation() {}

  static CompletableFuture<Void> of(StreamObserver<?> out) {
    CompletableFuture<Void> cancelled = new CompletableFuture<>();
    ((ServerCallStreamObserver<?>) out).setOnCancelHandler(() -> cancelled.complete(null));
    return cancelled;
  }
}
