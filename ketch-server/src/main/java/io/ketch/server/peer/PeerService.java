package io.ketch.server.peer;

import com.google.protobuf.Message;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.ratis.grpc.server.GrpcServices;
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
  private final Map<String, Function<Message, CompletableFuture<? extends Message>>> handlers =
      new ConcurrentHashMap<>();

  /** Serves {@code method} with {@code handler}, replacing any earlier handler. */
  @SuppressWarnings("unchecked")
  public <Q extends Message, R extends Message> void register(PeerMethod<Q, R> method,
      Function<Q, CompletableFuture<R>> handler) {
    handlers.put(method.descriptor().getFullMethodName(),
        q -> handler.apply((Q) q));
  }

  @Override
  public NettyServerBuilder customize(NettyServerBuilder builder, EnumSet<GrpcServices.Type> types) {
    if (types.contains(GrpcServices.Type.SERVER)) {
      builder.addService(definition());
    }
    return builder;
  }

  private ServerServiceDefinition definition() {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(PeerMethod.SERVICE);
    for (PeerMethod<?, ?> m : PeerMethods.ALL) {
      b.addMethod(m.descriptor(), ServerCalls.asyncUnaryCall((byte[] req, StreamObserver<byte[]> out) -> serve(m, req, out)));
    }
    return b.build();
  }

  private void serve(PeerMethod<?, ?> m, byte[] req, StreamObserver<byte[]> out) {
    Function<Message, CompletableFuture<? extends Message>> h = handlers.get(m.descriptor().getFullMethodName());
    if (h == null) {
      out.onError(Status.UNAVAILABLE.withDescription("ketch: " + m + " is not served yet").asRuntimeException());
      return;
    }
    CompletableFuture<? extends Message> f;
    try {
      f = h.apply(m.parseRequest(req));
    } catch (Exception e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((resp, err) -> {
      if (err != null) {
        out.onError(PeerErrors.toStatus(err).asRuntimeException());
      } else {
        out.onNext(resp.toByteArray());
        out.onCompleted();
      }
    });
  }
}
