package io.ketch.server.peer;

import com.google.protobuf.Message;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;

/**
 * Calls the peer service of other members, one channel per peer address (kept open and reused).
 * Streamed methods travel on one long-lived Calls stream per peer ({@link PeerCallStream}); the
 * others are gRPC calls of their own. Failures arrive as etcd's errors ({@code EtcdException}), {@link NotLeaderException} or
 * {@link PeerUnavailableException}.
 */
public final class PeerClient implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 32 << 20;
  private static final long EXPIRY_SWEEP_MS = 10;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, PeerCallStream> streams = new ConcurrentHashMap<>();
  /** Times out streamed calls: a sweep every {@link #EXPIRY_SWEEP_MS} ms. */
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ketch-peer-call-timer");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closed;
  /** TLS to the other members ({@code --peer-*} flags); null: plaintext. */
  private final SslContext ssl;
  private final java.util.function.LongPredicate dropTo;

  /** Plaintext calls. */
  public PeerClient() {
    this(null);
  }

  /** Calls over TLS with {@code ssl} (Ratis's shaded Netty), or plaintext when null. */
  public PeerClient(SslContext ssl) {
    this(ssl, null);
  }

  /**
   * Calls over TLS with {@code ssl}, or plaintext when null; calls to a member {@code dropTo} names
   * fail before they leave (fault injection; null: none).
   */
  public PeerClient(SslContext ssl, java.util.function.LongPredicate dropTo) {
    this.ssl = ssl;
    this.dropTo = dropTo;
    timer.scheduleWithFixedDelay(() -> {
      long now = System.nanoTime();
      for (PeerCallStream s : streams.values()) {
        s.expire(now);
      }
    }, EXPIRY_SWEEP_MS, EXPIRY_SWEEP_MS, TimeUnit.MILLISECONDS);
  }

  /** Calls {@code method} on the member whose peer service listens at {@code address} (host:port). */
  public <Q extends Message, R extends Message> CompletableFuture<R> call(String address, PeerMethod<Q, R> method,
      Q request, Duration timeout) {
    if (closed) {
      return CompletableFuture.failedFuture(new PeerUnavailableException("ketch: peer client closed", null));
    }
    if (dropTo != null && dropped(address)) {
      return CompletableFuture.failedFuture(
          new PeerUnavailableException("ketch fault injection: traffic to " + address + " dropped", null));
    }
    // replies complete the future on the transport thread: what continues from it never blocks
    // (as the peer service's handlers), and a hop to gRPC's default executor per call cost ~15% of
    // a member's CPU under linearizable reads
    ManagedChannel ch = channels.computeIfAbsent(address, a -> {
      NettyChannelBuilder b = NettyChannelBuilder.forTarget(a).directExecutor().maxInboundMessageSize(MAX_MESSAGE_BYTES);
      return (ssl == null ? b.usePlaintext() : b.sslContext(ssl)).build();
    });
    if (method.streamed()) {
      return callStream(address, ch).call(method, request.toByteArray(), timeout).thenApply(bytes -> {
        try {
          return method.parseResponse(bytes);
        } catch (Exception e) {
          throw new PeerUnavailableException("ketch: bad reply from " + address, e);
        }
      });
    }
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

  /** Whether fault injection drops calls to {@code address} (a {@code ketch-peer://<cluster>/<member>} target). */
  private boolean dropped(String address) {
    if (!address.startsWith("ketch-peer://")) {
      return false;
    }
    try {
      return dropTo.test(Long.parseUnsignedLong(address.substring(address.lastIndexOf('/') + 1), 16));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The Calls stream to {@code address}: the open one, or a new one if there is none or it broke. */
  private PeerCallStream callStream(String address, ManagedChannel ch) {
    return streams.compute(address, (a, s) -> s == null || s.broken() ? new PeerCallStream(a, ch) : s);
  }

  @Override
  public void close() {
    closed = true;
    for (PeerCallStream s : streams.values()) {
      s.close();
    }
    streams.clear();
    timer.shutdownNow();
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    channels.clear();
  }
}
