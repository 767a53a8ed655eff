package io.ketch.server.api;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.WatchGrpc;
import io.ketch.api.etcdserverpb.WatchRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.server.watch.WatchableStore;

/**
 * etcd's Watch service: each call is one stream of create/cancel/progress requests, answered by the
 * {@link WatchableStore}. As in etcd, the client closing its sending side does not end the stream;
 * the call ends when the client cancels it or goes away.
 */
final class WatchService extends WatchGrpc.WatchImplBase {
  private final WatchableStore store;

  WatchService(WatchableStore store) {
    this.store = store;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> out = (ServerCallStreamObserver<WatchResponse>) responses;
    WatchableStore.Stream stream = store.openStream(out);
    out.setOnReadyHandler(stream::onReady);
    out.setOnCancelHandler(stream::close);
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchRequest r) {
        switch (r.getRequestUnionCase()) {
          case CREATE_REQUEST -> stream.create(r.getCreateRequest());
          case CANCEL_REQUEST -> stream.cancel(r.getCancelRequest().getWatchId());
          case PROGRESS_REQUEST -> stream.requestProgress();
          default -> { } // etcd ignores a request it does not know
        }
      }

      @Override
      public void onError(Throwable t) {
        stream.close();
      }

      @Override
      public void onCompleted() {
        // etcd keeps serving a half-closed watch stream
      }
    };
  }
}
