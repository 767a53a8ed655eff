package io.ketch.server.api;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrantResponse;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.ketch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.ketch.api.etcdserverpb.LeaseLeasesRequest;
import io.ketch.api.etcdserverpb.LeaseLeasesResponse;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.api.etcdserverpb.LeaseRevokeResponse;
import io.ketch.api.etcdserverpb.LeaseStatus;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketch.server.alarm.Quota;
import io.ketch.server.alarm.QuotaCost;
import io.ketch.server.auth.Authorizer;
import io.ketch.server.auth.RequestPermissions;
import io.ketch.server.lease.LeaseIds;
import io.ketch.server.lease.LeaseKeeper;
import io.ketch.server.lease.Lessor;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.peer.NotLeaderException;
import io.ketch.server.peer.PeerMethods;
import io.ketch.server.raft.LeaderCalls;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.raft.proto.Requester;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * etcd's Lease service. Grant and revoke go through Raft (a grant without an ID gets one here, on
 * the proposing member, so every member applies the same ID); keepalives, time-to-live and the
 * lease list are answered by the primary lessor (the leader), as etcd answers them: on any other
 * member they are forwarded to the leader, and the answer gets this member's header.
 */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
  private final KvStore kv;
  private final RaftNode raft;
  private final LeaseIds ids;
  private final Headers headers;
  private final Function<LeaseKeepAliveRequest, CompletableFuture<LeaseKeepAliveResponse>> renew;
  private final Function<LeaseTimeToLiveRequest, CompletableFuture<LeaseTimeToLiveResponse>> timeToLive;
  private final Function<LeaseLeasesRequest, CompletableFuture<LeaseLeasesResponse>> leases;
  private final Quota quota;
  private final LeaseKeeper keeper;

  private final RequestPermissions permissions;

  LeaseService(KvStore kv, RaftNode raft, LeaseKeeper keeper, Headers headers, Quota quota,
      RequestPermissions permissions) {
    this.permissions = permissions;
    this.keeper = keeper;
    this.kv = kv;
    this.quota = quota;
    this.raft = raft;
    this.ids = new LeaseIds(raft.memberId(), System.currentTimeMillis());
    this.headers = headers;
    LeaderCalls calls = raft.leaderCalls();
    this.renew = calls.route(PeerMethods.LEASE_RENEW, r -> primary(() -> keeper.renew(r.getID())
        .thenApply(ttl -> LeaseKeepAliveResponse.newBuilder().setID(r.getID()).setTTL(ttl).build())));
    this.timeToLive = calls.route(PeerMethods.LEASE_TIME_TO_LIVE, r -> primary(() -> {
      Lessor.TimeToLive t = keeper.timeToLive(r.getID(), r.getKeys());
      LeaseTimeToLiveResponse.Builder resp = LeaseTimeToLiveResponse.newBuilder().setID(r.getID());
      if (t == null) {
        resp.setTTL(-1); // etcd's answer for a lease it does not know
      } else {
        resp.setTTL(t.ttl()).setGrantedTTL(t.grantedTtl()).addAllKeys(t.keys());
      }
      return CompletableFuture.completedFuture(resp.build());
    }));
    this.leases = calls.route(PeerMethods.LEASE_LEASES, r -> primary(() -> {
      LeaseLeasesResponse.Builder resp = LeaseLeasesResponse.newBuilder();
      for (long id : keeper.leases()) {
        resp.addLeases(LeaseStatus.newBuilder().setID(id));
      }
      return CompletableFuture.completedFuture(resp.build());
    }));
  }

  /** Runs a primary-only step; a lessor that is not (yet) primary sends the call to the leader. */
  private static <T> CompletableFuture<T> primary(Supplier<CompletableFuture<T>> step) {
    try {
      return step.get();
    } catch (Lessor.NotPrimaryException e) {
      return CompletableFuture.failedFuture(new NotLeaderException());
    }
  }

  @Override
  public void leaseGrant(LeaseGrantRequest r, StreamObserver<LeaseGrantResponse> out) {
    Requester who = KvService.requester(); // on the calling thread: admission may finish on another
    keeper.followLeadership();
    quota.admit(QuotaCost.LEASE_GRANT).thenCompose(v -> {
      LeaseGrantRequest withId = r.getID() != 0 ? r : r.toBuilder().setID(ids.next()).build();
      return raft.propose(InternalRequest.newBuilder().setLeaseGrant(withId).setRequester(who));
    }).whenComplete((o, err) -> {
      if (err != null) {
        out.onError(ErrorTable.toStatus(err));
        return;
      }
      LeaseGrantResponse resp = (LeaseGrantResponse) o;
      out.onNext(resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
      out.onCompleted();
    });
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest r, StreamObserver<LeaseRevokeResponse> out) {
    raft.propose(InternalRequest.newBuilder().setLeaseRevoke(r).setRequester(KvService.requester()))
        .whenComplete((o, err) -> {
      if (err != null) {
        out.onError(ErrorTable.toStatus(err));
        return;
      }
      LeaseRevokeResponse resp = (LeaseRevokeResponse) o;
      out.onNext(resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build());
      out.onCompleted();
    });
  }

  @Override
  public void leaseTimeToLive(LeaseTimeToLiveRequest r, StreamObserver<LeaseTimeToLiveResponse> out) {
    String user = Authorizer.caller();
    timeToLive.apply(r).whenComplete((resp, err) -> Replies.reply(
        resp == null ? null : readable(user, resp).setHeader(headers.of(kv.currentRevision())).build(), err, out));
  }

  /** The response with only the keys {@code user} may read (all of them while auth is off). */
  private LeaseTimeToLiveResponse.Builder readable(String user, LeaseTimeToLiveResponse resp) {
    LeaseTimeToLiveResponse.Builder b = resp.toBuilder().clearKeys();
    for (ByteString k : resp.getKeysList()) {
      if (permissions.mayRead(user, k)) {
        b.addKeys(k);
      }
    }
    return b;
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest r, StreamObserver<LeaseLeasesResponse> out) {
    leases.apply(r).whenComplete((resp, err) -> Replies.reply(
        resp == null ? null : resp.toBuilder().setHeader(headers.of(kv.currentRevision())).build(), err, out));
  }

  /**
   * Each request renews one lease and is answered in order on the same stream: renewals run one
   * after another (a follower's go to the leader), each answered before the next starts.
   */
  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
    ServerCallStreamObserver<LeaseKeepAliveResponse> call = (ServerCallStreamObserver<LeaseKeepAliveResponse>) out;
    call.setOnCancelHandler(() -> { });
    return new StreamObserver<>() {
      /** The renewals of this stream in arrival order; each starts when the one before has answered. */
      private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
      /** Set once the stream was ended with an error; later requests are dropped. */
      private volatile boolean failed;

      @Override
      public void onNext(LeaseKeepAliveRequest req) {
        tail = tail.thenCompose(v -> failed || call.isCancelled()
            ? CompletableFuture.completedFuture(null)
            : renew.apply(req).handle((resp, err) -> {
              answer(req, resp, err);
              return null;
            }));
      }

      private synchronized void answer(LeaseKeepAliveRequest req, LeaseKeepAliveResponse resp, Throwable err) {
        if (failed || call.isCancelled()) {
          return;
        }
        if (err != null) {
          failed = true;
          out.onError(ErrorTable.toStatus(err));
          return;
        }
        out.onNext(resp.toBuilder().setHeader(headers.of(kv.currentRevision())).build());
      }

      @Override
      public void onError(Throwable t) {
        // the client went away; nothing is held per stream
      }

      @Override
      public void onCompleted() {
        tail = tail.thenRun(() -> {
          synchronized (this) {
            if (!failed && !call.isCancelled()) {
              out.onCompleted();
            }
          }
        });
      }
    };
  }
}
