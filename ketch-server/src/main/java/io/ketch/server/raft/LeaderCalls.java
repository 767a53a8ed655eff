package io.ketch.server.raft;

import com.google.protobuf.Message;
import io.ketch.api.EtcdError;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.peer.NotLeaderException;
import io.ketch.server.peer.PeerClient;
import io.ketch.server.peer.PeerMethod;
import io.ketch.server.peer.PeerService;
import io.ketch.server.peer.PeerUnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Requests that only the leader can answer (lease renewals and time-to-live, membership changes),
 * from any member: served here when this member leads, otherwise forwarded to the leader over the
 * peer service, as etcd forwards them over its peer HTTP handlers. A leader change or an unreachable
 * leader makes the call go again, to whoever leads then, until the request timeout.
 */
public final class LeaderCalls {
  private final RaftNode node;
  private final PeerClient peers;
  private final PeerService service;
  private final Duration timeout;
  private final ScheduledExecutorService timer;

  LeaderCalls(RaftNode node, PeerClient peers, PeerService service, Duration timeout, ScheduledExecutorService timer) {
    this.node = node;
    this.peers = peers;
    this.service = service;
    this.timeout = timeout;
    this.timer = timer;
  }

  /**
   * Serves {@code method} with {@code onLeader} on this member when it leads, and forwards it to the
   * leader otherwise; other members' forwards reach {@code onLeader} through the peer service.
   *
   * @param onLeader the leader's answer; it fails with {@link NotLeaderException} when this member
   *     turns out not to lead, and the call goes to the leader
   * @return what serves a client's call of the method on this member
   */
  public <Q extends Message, R extends Message> Function<Q, CompletableFuture<R>> route(PeerMethod<Q, R> method,
      Function<Q, CompletableFuture<R>> onLeader) {
    Function<Q, CompletableFuture<R>> guarded = q -> {
      if (!node.division().getInfo().isLeader()) {
        return CompletableFuture.failedFuture(new NotLeaderException());
      }
      try {
        return onLeader.apply(q);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    };
    service.register(method, guarded);
    return q -> {
      CompletableFuture<R> result = new CompletableFuture<>();
      attempt(method, q, guarded, System.nanoTime() + timeout.toNanos(), result);
      return result;
    };
  }

  private <Q extends Message, R extends Message> void attempt(PeerMethod<Q, R> method, Q request,
      Function<Q, CompletableFuture<R>> local, long deadline, CompletableFuture<R> result) {
    CompletableFuture<R> sent;
    RaftPeerId leader = node.division().getInfo().getLeaderId();
    if (node.division().getInfo().isLeader()) {
      sent = local.apply(request);
    } else if (leader == null) {
      sent = CompletableFuture.failedFuture(new NotLeaderException());
    } else {
      RaftPeer peer = node.division().getRaftConf().getPeer(leader);
      sent = peer == null ? CompletableFuture.failedFuture(new NotLeaderException())
          : peers.call(peer.getAddress(), method, request, timeout);
    }
    sent.whenComplete((r, err) -> {
      if (err == null) {
        result.complete(r);
        return;
      }
      Throwable cause = Replicator.unwrap(err);
      boolean retry = cause instanceof NotLeaderException || cause instanceof PeerUnavailableException;
      if (!retry) {
        result.completeExceptionally(cause);
      } else if (System.nanoTime() - deadline > 0) {
        result.completeExceptionally(new EtcdException(node.leaderId() == 0 ? EtcdError.NO_LEADER : EtcdError.TIMEOUT));
      } else {
        timer.schedule(() -> attempt(method, request, local, deadline, result), 20, TimeUnit.MILLISECONDS);
      }
    });
  }
}
