package io.ketch.server.api;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.WatchGrpc;
import io.ketch.api.etcdserverpb.WatchRequest;
import io.ketch.server.watch.EncodedResponse;
import io.ketch.server.watch.ResponseMarshaller;
import io.ketch.server.watch.WatchableStore;

/**
 * etcd's Watch service: each call is one stream of create/cancel/progress requests, answered by the
 * {@link WatchableStore}. Responses leave as pre-encoded bytes (the same bytes protobuf would
 * write), so an event sent to many watchers is encoded once. As in etcd, the client closing its
 * sending side does not end the stream; the call ends when the client cancels it or goes away.
 */
final class WatchService implements BindableService {
  /**
   * gRPC reports the stream ready while less than this is waiting in the transport: enough for a
   * round of responses of a stream with many watchers to go out in one send.
   */
  private static final int READY_THRESHOLD_BYTES = 64 << 10;

  private final WatchableStore store;
  private final TransportLoops loops;
  private final NoLeaderMonitor noLeader;

  WatchService(WatchableStore store, TransportLoops loops, NoLeaderMonitor noLeader) {
    this.store = store;
    this.loops = loops;
    this.noLeader = noLeader;
  }

  @Override
  public ServerServiceDefinition bindService() {
    MethodDescriptor<WatchRequest, EncodedResponse> method = WatchGrpc.getWatchMethod()
        .toBuilder(WatchGrpc.getWatchMethod().getRequestMarshaller(), new ResponseMarshaller())
        .build();
    return ServerServiceDefinition.builder(WatchGrpc.SERVICE_NAME)
        .addMethod(method, ServerCalls.asyncBidiStreamingCall(this::watch))
        .build();
  }

  private StreamObserver<WatchRequest> watch(StreamObserver<EncodedResponse> responses) {
    ServerCallStreamObserver<EncodedResponse> out = (ServerCallStreamObserver<EncodedResponse>) responses;
    // the call starts on its connection's event loop: responses are written from there
    WatchableStore.Stream stream = store.openStream(out, loops.currentLoop());
    out.setOnReadyThreshold(READY_THRESHOLD_BYTES);
    out.setOnReadyHandler(stream::onReady);
    Runnable unwatched = Boolean.TRUE.equals(MemberGuard.REQUIRE_LEADER.get()) ? noLeader.register(stream::end) : () -> { };
    out.setOnCancelHandler(() -> {
      unwatched.run();
      stream.close();
    });
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
        unwatched.run();
        stream.close();
      }

      @Override
      public void onCompleted() {
        // etcd keeps serving a half-closed watch stream
      }
    };
  }
}
