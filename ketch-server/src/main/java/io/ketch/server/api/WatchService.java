package io.ketch.server.api;

import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchGrpc;
import io.ketch.api.etcdserverpb.WatchRequest;
import io.ketch.server.auth.Authorizer;
import io.ketch.server.auth.RequestPermissions;
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

  private final RequestPermissions permissions;

  WatchService(WatchableStore store, TransportLoops loops, NoLeaderMonitor noLeader,
      RequestPermissions permissions) {
    this.permissions = permissions;
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
    String user = Authorizer.caller(); // the stream's context: each create request is checked as this user
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
          case CREATE_REQUEST -> {
            WatchCreateRequest c = r.getCreateRequest();
            EtcdError denied = permissions.checkRead(user, c.getKey(), c.getRangeEnd());
            if (denied == null) {
              stream.create(c);
            } else {
              // as etcd: the reason is the gRPC error's text
              stream.refuse("rpc error: code = " + goName(denied.code()) + " desc = " + denied.description());
            }
          }
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

  /** A gRPC code as Go prints it (PERMISSION_DENIED: PermissionDenied). */
  private static String goName(io.grpc.Status.Code code) {
    StringBuilder b = new StringBuilder();
    for (String part : code.name().split("_")) {
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return code == io.grpc.Status.Code.OK ? "OK" : b.toString();
  }
}
