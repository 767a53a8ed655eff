package io.ketch.server.api;

import io.grpc.stub.StreamObserver;

/** Ends a unary call with its response or, through the error table, its error. */
final class Replies {
  private Replies() {}

  /**
   * For the Lock and Election services: etcd runs them as a client of its own KV API and returns the
   * KV errors it gets as plain Go errors, so clients see etcd's text with gRPC code UNKNOWN.
   */
  static <T> void replyAsRecipe(T resp, Throwable err, StreamObserver<T> out) {
    if (err == null) {
      reply(resp, null, out);
      return;
    }
    io.grpc.Status s = ErrorTable.toStatus(err).getStatus();
    if (s.getDescription() != null && s.getDescription().startsWith("etcdserver: ")) {
      s = io.grpc.Status.UNKNOWN.withDescription(s.getDescription());
    }
    out.onError(s.asRuntimeException());
  }

  static <T> void reply(T resp, Throwable err, StreamObserver<T> out) {
    if (err != null) {
      out.onError(ErrorTable.toStatus(err));
    } else {
      out.onNext(resp);
      out.onCompleted();
    }
  }
}
