package io.ketch.server.peer;

import com.google.protobuf.Message;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

/**
 * Calls the peer service of other members, one channel per peer address (kept open and reused).
 * Failures arrive as etcd's errors ({@code EtcdException}), {@link NotLeaderException} or
 * {@link PeerUnavailableException}.
 */
public final class PeerClient implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 32 << 20;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** Calls {@code method} on the member whose peer service listens at {@code address} (host:port). */
  public <Q extends Message, R extends Message> CompletableFuture<R> call(String address, PeerMethod<Q, R> method,
      Q request, Duration timeout) {
    if (closed) {
      return CompletableFuture.failedFuture(new PeerUnavailableException("ketch: peer client closed", null));
    }
    ManagedChannel ch = channels.computeIfAbsent(address, a -> NettyChannelBuilder.forTarget(a)
        .usePlaintext()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .build());
    CompletableFuture<R> f = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        ch.newCall(method.descriptor(), CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)),
        request.toByteArray(), new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            try {
              f.complete(method.parseResponse(value));
            } catch (Exception e) {
              f.completeExceptionally(new PeerUnavailableException("ketch: bad reply from " + address, e));
            }
          }

          @Override
          public void onError(Throwable t) {
            if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAVAILABLE) {
              // the caller tries again soon (a member that was down may be back): don't let gRPC's
              // reconnect backoff, which grows to minutes while a member is down, stand in its way
              ch.resetConnectBackoff();
            }
            f.completeExceptionally(t instanceof StatusRuntimeException s
                ? PeerErrors.fromStatus(s.getStatus())
                : new PeerUnavailableException("ketch: " + method + " to " + address + " failed", t));
          }

          @Override
          public void onCompleted() {
            // the value completed the future
          }
        });
    return f;
  }

  @Override
  public void close() {
    closed = true;
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    channels.clear();
  }
}
