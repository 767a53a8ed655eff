package io.ketch.server.peer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.ketch.server.peer.proto.StreamedCall;
import io.ketch.server.peer.proto.StreamedReply;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallExecutorSupplier;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

/**
 * The peer service's server side, hosted on Ratis's gRPC server (the peer port) through its services
 * customizer. Components register a handler per method once they exist; until then the method
 * answers UNAVAILABLE, which callers treat like an unreachable peer.
 *
 * <p>Handlers run on Ratis's gRPC threads and must not block: they return futures.
 */
public final class PeerService implements GrpcServices.Customizer {
  /** Fault injection in front of every peer-port call, or null. */
  private volatile org.apache.ratis.thirdparty.io.grpc.ServerInterceptor interceptor;
  private static final Executor DIRECT = Runnable::run;
  private final Map<String, Function<Message, CompletableFuture<? extends Message>>> handlers =
      new ConcurrentHashMap<>();

  /** Serves {@code method} with {@code handler}, replacing any earlier handler. */
  @SuppressWarnings("unchecked")
  public <Q extends Message, R extends Message> void register(PeerMethod<Q, R> method,
      Function<Q, CompletableFuture<R>> handler) {
    handlers.put(method.descriptor().getFullMethodName(),
        q -> handler.apply((Q) q));
  }

  /** Puts {@code interceptor} in front of every call on the peer port (fault injection); before the server starts. */
  public void intercept(org.apache.ratis.thirdparty.io.grpc.ServerInterceptor interceptor) {
    this.interceptor = interceptor;
  }

  @Override
  public NettyServerBuilder customize(NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) {
    if (interceptor != null) {
      builder.intercept(interceptor);
    }
    if (types.contains(GrpcServices.Type.SERVER)) {
      builder.addService(definition());
      // Ketch's handlers never block, so they run on the transport thread that read the call rather
      // than after a hop to gRPC's default executor; Ratis's own services keep that executor
      builder.callExecutor(new ServerCallExecutorSupplier() {
        @Override
        public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
          return PeerMethod.SERVICE.equals(call.getMethodDescriptor().getServiceName()) ? DIRECT : null;
        }
      });
    }
    return builder;
  }

  private ServerServiceDefinition definition() {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(PeerMethod.SERVICE);
    for (PeerMethod<?, ?> m : PeerMethods.ALL) {
      b.addMethod(m.descriptor(), ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> out) ->
          dispatch(m, req).whenComplete((resp, err) -> {
            if (err != null) {
              out.onError(PeerErrors.toStatus(err).asRuntimeException());
            } else {
              out.onNext(resp);
              out.onCompleted();
            }
          })));
    }
    b.addMethod(PeerMethod.CALLS, ServerCalls.asyncBidiStreamingCall(CallStreamServer::new));
    return b.build();
  }

  /** Runs {@code m}'s handler on a serialized request; completes with the serialized response. */
  private CompletableFuture<byte[]> dispatch(PeerMethod<?, ?> m, byte[] req) {
    Function<Message, CompletableFuture<? extends Message>> h = handlers.get(m.descriptor().getFullMethodName());
    if (h == null) {
      return CompletableFuture.failedFuture(
          Status.UNAVAILABLE.withDescription("ketch: " + m + " is not served yet").asRuntimeException());
    }
    try {
      return h.apply(m.parseRequest(req)).thenApply(Message::toByteArray);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The serving end of a caller's Calls stream: each call is dispatched, each reply sent when ready. */
  private final class CallStreamServer implements StreamObserver<byte[]> {
    private final StreamObserver<byte[]> replies;

    CallStreamServer(StreamObserver<byte[]> replies) {
      this.replies = replies;
    }

    @Override
    public void onNext(byte[] message) {
      StreamedCall call;
      try {
        call = StreamedCall.parseFrom(message);
      } catch (InvalidProtocolBufferException e) {
        replies.onError(Status.INVALID_ARGUMENT.withDescription("ketch: bad streamed call").asRuntimeException());
        return;
      }
      PeerMethod<?, ?> m = PeerMethods.byName(call.getMethod());
      CompletableFuture<byte[]> done = m == null || !m.streamed()
          ? CompletableFuture.failedFuture(Status.UNIMPLEMENTED.withDescription(
              "ketch: " + call.getMethod() + " is not a streamed peer method").asRuntimeException())
          : dispatch(m, call.getRequest().toByteArray());
      done.whenComplete((resp, err) -> {
        StreamedReply.Builder r = StreamedReply.newBuilder().setId(call.getId());
        if (err != null) {
          Status s = PeerErrors.toStatus(err);
          r.setCode(s.getCode().value()).setDescription(s.getDescription() == null ? "" : s.getDescription());
        } else {
          r.setResponse(UnsafeByteOperations.unsafeWrap(resp));
        }
        send(r.build().toByteArray());
      });
    }

    /** Replies complete on many threads; the stream takes one message at a time. */
    private synchronized void send(byte[] reply) {
      try {
        replies.onNext(reply);
      } catch (RuntimeException e) {
        // the caller went away (its stream was cancelled): it fails its own pending calls
      }
    }

    @Override
    public void onError(Throwable t) {
      // the caller's stream broke; it fails its pending calls and opens another
    }

    @Override
    public synchronized void onCompleted() {
      replies.onCompleted();
    }
  }
}
