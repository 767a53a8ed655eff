package io.ketch.server.api;

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
import io.ketch.server.lease.LeaseIds;
import io.ketch.server.lease.LeaseKeeper;
import io.ketch.server.lease.Lessor;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.raft.proto.InternalRequest;

/**
 * etcd's Lease service. Grant and revoke go through Raft (a grant without an ID gets one here, on
 * the proposing member, so every member applies the same ID); keepalives, time-to-live and the
 * lease list are answered by the primary lessor (the leader), as etcd answers them.
 */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
  private final KvStore kv;
  private final RaftNode raft;
  private final LeaseKeeper keeper;
  private final LeaseIds ids;
  private final Headers headers;

  LeaseService(KvStore kv, RaftNode raft, LeaseKeeper keeper, Headers headers) {
    this.kv = kv;
    this.raft = raft;
    this.keeper = keeper;
    this.ids = new LeaseIds(raft.memberId(), System.currentTimeMillis());
    this.headers = headers;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest r, StreamObserver<LeaseGrantResponse> out) {
    LeaseGrantRequest withId = r.getID() != 0 ? r : r.toBuilder().setID(ids.next()).build();
    raft.propose(InternalRequest.newBuilder().setLeaseGrant(withId)).whenComplete((o, err) -> {
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
    raft.propose(InternalRequest.newBuilder().setLeaseRevoke(r)).whenComplete((o, err) -> {
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
    Lessor.TimeToLive t;
    try {
      t = keeper.timeToLive(r.getID(), r.getKeys());
    } catch (RuntimeException e) {
      out.onError(ErrorTable.toStatus(e));
      return;
    }
    LeaseTimeToLiveResponse.Builder resp = LeaseTimeToLiveResponse.newBuilder()
        .setHeader(headers.of(kv.currentRevision()))
        .setID(r.getID());
    if (t == null) {
      resp.setTTL(-1); // etcd's answer for a lease it does not know
    } else {
      resp.setTTL(t.ttl()).setGrantedTTL(t.grantedTtl()).addAllKeys(t.keys());
    }
    out.onNext(resp.build());
    out.onCompleted();
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest r, StreamObserver<LeaseLeasesResponse> out) {
    LeaseLeasesResponse.Builder resp = LeaseLeasesResponse.newBuilder().setHeader(headers.of(kv.currentRevision()));
    for (long id : keeper.leases()) {
      resp.addLeases(LeaseStatus.newBuilder().setID(id));
    }
    out.onNext(resp.build());
    out.onCompleted();
  }

  /** Each request renews one lease and is answered in order on the same stream. */
  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
    ServerCallStreamObserver<LeaseKeepAliveResponse> call = (ServerCallStreamObserver<LeaseKeepAliveResponse>) out;
    call.setOnCancelHandler(() -> { });
    return new StreamObserver<>() {
      /** Set once the stream was ended with an error; later requests are dropped. */
      private boolean failed;

      @Override
      public void onNext(LeaseKeepAliveRequest req) {
        if (failed) {
          return;
        }
        long ttl;
        try {
          ttl = keeper.renew(req.getID());
        } catch (RuntimeException e) {
          failed = true;
          if (!call.isCancelled()) {
            out.onError(ErrorTable.toStatus(e));
          }
          return;
        }
        if (!call.isCancelled()) {
          out.onNext(LeaseKeepAliveResponse.newBuilder()
              .setHeader(headers.of(kv.currentRevision()))
              .setID(req.getID())
              .setTTL(ttl)
              .build());
        }
      }

      @Override
      public void onError(Throwable t) {
        // the client went away; nothing is held per stream
      }

      @Override
      public void onCompleted() {
        if (!failed && !call.isCancelled()) {
          out.onCompleted();
        }
      }
    };
  }
}
