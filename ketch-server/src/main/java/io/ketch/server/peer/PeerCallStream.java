package io.ketch.server.peer;

import com.google.protobuf.UnsafeByteOperations;
import io.ketch.server.peer.proto.StreamedCall;
import io.ketch.server.peer.proto.StreamedReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

/**
 * A member's Calls stream to one peer: the calls of streamed peer methods travel on it as messages,
 * numbered, and replies are matched by number, so a call costs one message each way rather than a
 * gRPC call of its own (read rounds make thousands a second, forwarded proposals hundreds). When the stream breaks, every call on
 * it fails as the peer being unavailable, and the stream is not used again: the next call opens a
 * new one. A call not answered within its timeout fails as a unary call past its deadline would,
 * found by {@link #expire} (a sweep, rather than a timer task per call: those cost 3% of a member's
 * CPU under linearizable reads).
 */
final class PeerCallStream {
  private final String address;
  private final ManagedChannel channel;
  private final StreamObserver<byte[]> calls;
  // @GuardedBy("this"): the calls awaiting a reply, by number
  private final Map<Long, Pending> pending = new HashMap<>();
  // @GuardedBy("this")
  private long nextId;
  // @GuardedBy("this")
  private boolean broken;

  private record Pending(CompletableFuture<byte[]> reply, long deadlineNanos, PeerMethod<?, ?> method, Duration timeout) {}

  PeerCallStream(String address, ManagedChannel channel) {
    this.address = address;
    this.channel = channel;
    this.calls = ClientCalls.asyncBidiStreamingCall(channel.newCall(PeerMethod.CALLS, CallOptions.DEFAULT),
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] message) {
            replied(message);
          }

          @Override
          public void onError(Throwable t) {
            broke(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            broke(Status.UNAVAILABLE.withDescription("ketch: " + address + " closed the call stream"));
          }
        });
  }

  /** Whether the stream broke: calls on it fail, and the caller should open another. */
  synchronized boolean broken() {
    return broken;
  }

  /** Sends a call of {@code method}; completes with the serialized response. */
  CompletableFuture<byte[]> call(PeerMethod<?, ?> method, byte[] request, Duration timeout) {
    CompletableFuture<byte[]> reply = new CompletableFuture<>();
    long id;
    synchronized (this) {
      if (broken) {
        return CompletableFuture.failedFuture(
            new PeerUnavailableException("ketch: call stream to " + address + " broke", null));
      }
      id = ++nextId;
      pending.put(id, new Pending(reply, System.nanoTime() + timeout.toNanos(), method, timeout));
      try {
        calls.onNext(StreamedCall.newBuilder()
            .setId(id)
            .setMethod(method.descriptor().getFullMethodName())
            .setRequest(UnsafeByteOperations.unsafeWrap(request))
            .build()
            .toByteArray());
      } catch (RuntimeException e) { // the stream was closed meanwhile
        pending.remove(id);
        return CompletableFuture.failedFuture(
            new PeerUnavailableException("ketch: call stream to " + address + " closed", e));
      }
    }
    return reply;
  }

  /** Fails the calls whose timeout has passed at {@code nowNanos}. */
  void expire(long nowNanos) {
    List<Pending> late = new ArrayList<>();
    synchronized (this) {
      for (var it = pending.values().iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (p.deadlineNanos - nowNanos <= 0) {
          late.add(p);
          it.remove();
        }
      }
    }
    for (Pending p : late) {
      p.reply.completeExceptionally(PeerErrors.fromStatus(Status.DEADLINE_EXCEEDED.withDescription(
          "ketch: " + p.method + " to " + address + " not answered in " + p.timeout.toMillis() + " ms")));
    }
  }

  private void replied(byte[] message) {
    StreamedReply r;
    try {
      r = StreamedReply.parseFrom(message);
    } catch (Exception e) {
      broke(Status.INTERNAL.withDescription("ketch: bad reply on the call stream to " + address));
      return;
    }
    CompletableFuture<byte[]> f;
    synchronized (this) {
      Pending p = pending.remove(r.getId());
      if (p == null) {
        return; // timed out meanwhile
      }
      f = p.reply;
    }
    if (r.getCode() == Status.Code.OK.value()) {
      f.complete(r.getResponse().toByteArray());
    } else {
      f.completeExceptionally(PeerErrors.fromStatus(Status.fromCodeValue(r.getCode())
          .withDescription(r.getDescription().isEmpty() ? null : r.getDescription())));
    }
  }

  private void broke(Status status) {
    List<CompletableFuture<byte[]>> failed;
    synchronized (this) {
      if (broken) {
        return;
      }
      broken = true;
      failed = new ArrayList<>();
      for (Pending p : pending.values()) {
        failed.add(p.reply);
      }
      pending.clear();
    }
    if (status.getCode() == Status.Code.UNAVAILABLE) {
      // as for unary calls: a member back from a crash must be reachable at once, not after the
      // reconnect backoff grown while it was down
      channel.resetConnectBackoff();
    }
    RuntimeException e = PeerErrors.fromStatus(status);
    for (CompletableFuture<byte[]> f : failed) {
      f.completeExceptionally(e);
    }
  }

  /** Ends the stream (the member is closing). */
  void close() {
    synchronized (this) {
      if (broken) {
        return;
      }
      try {
        calls.onCompleted();
      } catch (RuntimeException e) {
        // already broken
      }
    }
    broke(Status.UNAVAILABLE.withDescription("ketch: peer client closed"));
  }
}
