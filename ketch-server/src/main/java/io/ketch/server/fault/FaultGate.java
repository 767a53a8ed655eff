package io.ketch.server.fault;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.ketch.server.calls.DeferredListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.thirdparty.io.grpc.ForwardingServerCallListener;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Faults injected into one member by a test harness (the embedded testkit), never present in a
 * member the {@code ketch} command starts:
 *
 * <ul>
 *   <li><b>Peer traffic dropped</b> to and from chosen members ({@link #blockPeers}): Raft messages
 *       from them are refused where they arrive ({@link #peerTraffic()}), and this member's own
 *       peer-service calls to them fail before they leave, so two members that block each other are
 *       partitioned both ways.
 *   <li><b>Client calls held</b> ({@link #pause}): new gRPC calls wait until {@link #resume}, as a
 *       stopped process leaves its clients waiting.
 *   <li><b>A slow disk</b> ({@link #slowDisk}): every flush of the Raft log waits first.
 * </ul>
 */
public final class FaultGate {
  private volatile Set<Long> blocked = Set.of();
  private volatile long flushDelayNanos;
  private boolean paused;
  private final List<Runnable> held = new ArrayList<>();

  /** From now on, drops peer traffic between this member and {@code members} (replacing any earlier set). */
  public void blockPeers(Set<Long> members) {
    blocked = Set.copyOf(members);
  }

  /** Whether peer traffic with {@code member} is dropped now. */
  public boolean blocks(long member) {
    return blocked.contains(member);
  }

  /** Delays every Raft log flush by {@code delay} (zero: no delay). */
  public void slowDisk(Duration delay) {
    flushDelayNanos = delay.toNanos();
  }

  /** How long each Raft log flush waits now. */
  public long flushDelayNanos() {
    return flushDelayNanos;
  }

  /** Holds new client calls until {@link #resume()}. */
  public synchronized void pause() {
    paused = true;
  }

  /** Lets held and new client calls go on. */
  public void resume() {
    List<Runnable> go;
    synchronized (this) {
      paused = false;
      go = new ArrayList<>(held);
      held.clear();
    }
    go.forEach(Runnable::run);
  }

  public synchronized boolean paused() {
    return paused;
  }

  /** The client-port interceptor that holds calls while paused. */
  public ServerInterceptor clientCalls() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        DeferredListener<Q> deferred;
        synchronized (FaultGate.this) {
          if (!paused) {
            return next.startCall(call, headers);
          }
          deferred = new DeferredListener<>();
          held.add(() -> deferred.start(next.startCall(call, headers)));
        }
        return deferred;
      }
    };
  }

  /** The interceptor for the peer port (Ratis's gRPC server) that refuses Raft messages from blocked members. */
  public org.apache.ratis.thirdparty.io.grpc.ServerInterceptor peerTraffic() {
    return new org.apache.ratis.thirdparty.io.grpc.ServerInterceptor() {
      @Override
      public <Q, R> org.apache.ratis.thirdparty.io.grpc.ServerCall.Listener<Q> interceptCall(
          org.apache.ratis.thirdparty.io.grpc.ServerCall<Q, R> call,
          org.apache.ratis.thirdparty.io.grpc.Metadata headers,
          org.apache.ratis.thirdparty.io.grpc.ServerCallHandler<Q, R> next) {
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
          private boolean dropped;

          @Override
          public void onMessage(Q message) {
            long from = requestor(message);
            if (dropped || (from != 0 && blocks(from))) {
              if (!dropped) {
                dropped = true;
                call.close(Status.UNAVAILABLE.withDescription("ketch fault injection: traffic from "
                    + Long.toHexString(from) + " dropped"), new org.apache.ratis.thirdparty.io.grpc.Metadata());
              }
              return;
            }
            super.onMessage(message);
          }

          @Override
          public void onHalfClose() {
            if (!dropped) {
              super.onHalfClose();
            }
          }
        };
      }
    };
  }

  /** The member that sent a Raft message (Ratis names peers by member ID in hex), or 0. */
  private static long requestor(Object message) {
    RaftProtos.RaftRpcRequestProto r;
    if (message instanceof RaftProtos.AppendEntriesRequestProto m) {
      r = m.getServerRequest();
    } else if (message instanceof RaftProtos.RequestVoteRequestProto m) {
      r = m.getServerRequest();
    } else if (message instanceof RaftProtos.InstallSnapshotRequestProto m) {
      r = m.getServerRequest();
    } else if (message instanceof RaftProtos.StartLeaderElectionRequestProto m) {
      r = m.getServerRequest();
    } else if (message instanceof RaftProtos.ReadIndexRequestProto m) {
      r = m.getServerRequest();
    } else {
      return 0;
    }
    try {
      return Long.parseUnsignedLong(r.getRequestorId().toStringUtf8(), 16);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
