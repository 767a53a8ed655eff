package io.ketch.server.raft;

import io.ketch.api.EtcdError;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.peer.NotLeaderException;
import io.ketch.server.peer.PeerClient;
import io.ketch.server.peer.PeerMethods;
import io.ketch.server.peer.PeerUnavailableException;
import io.ketch.server.peer.proto.ProposeRequest;
import io.ketch.server.peer.proto.ProposeResponse;
import io.ketch.server.raft.proto.InternalBatch;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets a batch into the Raft log from any member, as etcd's proposer does: the leader appends it
 * itself; any other member forwards it to the leader over the peer service. A leader change is
 * invisible to the caller except as latency: the batch is sent again, to the new leader, until it
 * is accepted or the request timeout (etcd's ReqTimeout, 5 s + 2 election timeouts) has passed.
 *
 * <p>Sending twice is safe: each send carries the proposer's ID and the batch's number as Ratis's
 * client and call ID (its retry cache answers a repeat the same leader already has), and
 * {@link ProposerSessions} applies a batch once even if two copies reach the log.
 *
 * <p>The returned future completes once the leader has applied the batch; the requests' own answers
 * come from this member's apply (the waiters), so a client reads its own write from the member it
 * wrote to.
 */
final class Replicator {
  private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
  /** Tag of the client IDs Ratis sees for proposers ("ketch_pr"). */
  private static final long CLIENT_TAG = 0x6b657463685f7072L;

  private final RaftNode node;
  private final PeerClient peers;
  private final Duration requestTimeout;
  private final ScheduledExecutorService timer;

  Replicator(RaftNode node, PeerClient peers, Duration requestTimeout, ScheduledExecutorService timer) {
    this.node = node;
    this.peers = peers;
    this.requestTimeout = requestTimeout;
    this.timer = timer;
  }

  /** Replicates {@code batch}; completes once the leader has applied it, or fails with etcd's error. */
  CompletableFuture<Void> replicate(InternalBatch batch) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    ByteString bytes = UnsafeByteOperations.unsafeWrap(batch.toByteArray());
    long deadline = System.nanoTime() + requestTimeout.toNanos();
    attempt(batch.getProposer(), batch.getSeq(), bytes, deadline, node.leaderId(), result);
    return result;
  }

  private void attempt(long proposer, long seq, ByteString bytes, long deadline, long leaderAtStart,
      CompletableFuture<Void> result) {
    CompletableFuture<Void> sent;
    RaftPeerId leader = node.division().getInfo().getLeaderId();
    if (node.division().getInfo().isLeader()) {
      sent = appendHere(proposer, seq, bytes);
    } else if (leader == null) {
      sent = CompletableFuture.failedFuture(new NotLeaderException());
    } else {
      sent = forward(leader, proposer, seq, bytes);
    }
    sent.whenComplete((v, err) -> {
      if (err == null) {
        result.complete(null);
        return;
      }
      Throwable cause = unwrap(err);
      if (!retryable(cause)) {
        result.completeExceptionally(RaftNode.toEtcd(cause));
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        EtcdError e = node.timeoutError(leaderAtStart);
        LOG.debug("event=proposal-timed-out proposer={} seq={} last_error={}", proposer, seq, cause.toString());
        result.completeExceptionally(new EtcdException(e));
        return;
      }
      LOG.debug("event=proposal-retry proposer={} seq={} error={}", proposer, seq, cause.toString());
      long delay = cause instanceof PeerUnavailableException ? 100 : 20;
      timer.schedule(() -> attempt(proposer, seq, bytes, deadline, leaderAtStart, result), delay, TimeUnit.MILLISECONDS);
    });
  }

  /**
   * Serves a batch forwarded by another member: only the leader takes it, into its own next entry
   * (see {@link Proposer#submitForwarded}); answers once that entry is applied here.
   */
  CompletableFuture<ProposeResponse> serveForwarded(ProposeRequest r, Proposer proposer) {
    if (!node.division().getInfo().isLeader()) {
      return CompletableFuture.failedFuture(new NotLeaderException());
    }
    return proposer.submitForwarded(r.getBatch()).handle((v, err) -> {
      if (err == null) {
        return ProposeResponse.getDefaultInstance();
      }
      Throwable cause = unwrap(err);
      throw new CompletionException(retryable(cause) ? new NotLeaderException() : RaftNode.toEtcd(cause));
    });
  }

  private CompletableFuture<Void> appendHere(long proposer, long seq, ByteString bytes) {
    return node.submit(ClientId.valueOf(new UUID(proposer, CLIENT_TAG)), seq, Message.valueOf(bytes),
        RaftClientRequest.writeRequestType());
  }

  private CompletableFuture<Void> forward(RaftPeerId leader, long proposer, long seq, ByteString bytes) {
    RaftPeer peer = node.division().getRaftConf().getPeer(leader);
    if (peer == null || peer.getAddress() == null) {
      return CompletableFuture.failedFuture(new NotLeaderException());
    }
    ProposeRequest r = ProposeRequest.newBuilder().setProposer(proposer).setSeq(seq)
        .setBatch(com.google.protobuf.UnsafeByteOperations.unsafeWrap(bytes.asReadOnlyByteBuffer()))
        .build();
    return peers.call(peer.getAddress(), PeerMethods.PROPOSE, r, requestTimeout).thenApply(x -> null);
  }

  /**
   * Whether another send may succeed: the leader changed or is not ready, is unknown, or could not
   * be reached. A closed server (this member stopping) and refusals by the state machine are final.
   */
  static boolean retryable(Throwable t) {
    if (t instanceof AlreadyClosedException || t instanceof StateMachineException || t instanceof EtcdException) {
      return false;
    }
    return t instanceof RaftException || t instanceof NotLeaderException || t instanceof PeerUnavailableException
        || t instanceof IOException;
  }

  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
