package io.ketch.it;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.WatchCancelRequest;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchGrpc;
import io.ketch.api.etcdserverpb.WatchProgressRequest;
import io.ketch.api.etcdserverpb.WatchRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One Watch stream to a server: sends create/cancel/progress requests and keeps every response, in
 * arrival order, with the stream's end (an error or completion) if it ended.
 */
final class WatchCaller implements AutoCloseable {
  private final ManagedChannel channel;
  private final boolean ownChannel;
  private final StreamObserver<WatchRequest> requests;
  private final LinkedBlockingQueue<WatchResponse> arrived = new LinkedBlockingQueue<>();
  private final List<WatchResponse> received = new ArrayList<>();
  private volatile Throwable error;
  private volatile boolean completed;

  WatchCaller(Endpoint e) {
    this(e.channel(), true);
  }

  /** A stream whose calls carry {@code token} (gRPC metadata {@code token}, as clientv3 sends it). */
  WatchCaller(Endpoint e, String token) {
    this(e.channel(), true, token);
  }

  /** A stream on an existing channel (several streams may share one connection). */
  WatchCaller(ManagedChannel channel, boolean ownChannel) {
    this(channel, ownChannel, null);
  }

  private WatchCaller(ManagedChannel channel, boolean ownChannel, String token) {
    this.channel = channel;
    this.ownChannel = ownChannel;
    WatchGrpc.WatchStub stub = WatchGrpc.newStub(channel);
    if (token != null) {
      io.grpc.Metadata md = new io.grpc.Metadata();
      md.put(io.grpc.Metadata.Key.of("token", io.grpc.Metadata.ASCII_STRING_MARSHALLER), token);
      stub = stub.withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
    }
    this.requests = stub.watch(new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse r) {
        arrived.add(r);
      }

      @Override
      public void onError(Throwable t) {
        error = t;
      }

      @Override
      public void onCompleted() {
        completed = true;
      }
    });
  }

  void create(WatchCreateRequest c) {
    send(WatchRequest.newBuilder().setCreateRequest(c).build());
  }

  void cancel(long watchId) {
    send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(watchId)).build());
  }

  void requestProgress() {
    send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
  }

  synchronized void send(WatchRequest r) {
    requests.onNext(r);
  }

  /** Waits for the next response; null after {@code millis} without one. */
  WatchResponse next(long millis) throws InterruptedException {
    WatchResponse r = arrived.poll(millis, TimeUnit.MILLISECONDS);
    if (r != null) {
      received.add(r);
    }
    return r;
  }

  /**
   * Collects responses until none has come for {@code quietMillis}; returns every response received
   * so far (since the stream opened).
   */
  List<WatchResponse> settle(long quietMillis) throws InterruptedException {
    while (next(quietMillis) != null) {
      // keep collecting
    }
    return List.copyOf(received);
  }

  /** Collects responses for {@code millis}; returns every response received so far. */
  List<WatchResponse> collectFor(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      next(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
    return List.copyOf(received);
  }

  /**
   * Waits until {@code n} created responses have arrived in all: a watch sees only changes applied
   * after the server took its create request, so a test writes only once its watches exist.
   */
  void awaitCreated(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.stream().filter(WatchResponse::getCreated).count() < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + received.stream().filter(WatchResponse::getCreated).count()
            + " of " + n + " watches created after 30 s");
      }
      next(100);
    }
  }

  /** Every response taken so far (by {@link #next} or {@link #settle}). */
  List<WatchResponse> received() {
    return List.copyOf(received);
  }

  Throwable error() {
    return error;
  }

  boolean completed() {
    return completed;
  }

  /** A create request for every key starting with {@code prefix} (range end: prefix + 1, as etcd's clients). */
  static WatchCreateRequest.Builder prefixWatch(String prefix) {
    byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(prefix))
        .setRangeEnd(ByteString.copyFrom(end));
  }

  /** {@code r} with the header's identity fields cleared (they differ between servers). */
  static WatchResponse normalize(WatchResponse r) {
    if (!r.hasHeader()) {
      return r;
    }
    ResponseHeader h = r.getHeader().toBuilder().clearClusterId().clearMemberId().clearRaftTerm().build();
    return r.toBuilder().setHeader(h).build();
  }

  @Override
  public void close() {
    try {
      requests.onError(new RuntimeException("test closes the stream"));
    } catch (RuntimeException ignored) {
      // already closed
    }
    if (ownChannel) {
      channel.shutdownNow();
    }
  }
}
