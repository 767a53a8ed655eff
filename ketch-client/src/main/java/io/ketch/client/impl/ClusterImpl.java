package io.ketch.client.impl;

import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.MemberAddRequest;
import io.ketch.api.etcdserverpb.MemberAddResponse;
import io.ketch.api.etcdserverpb.MemberListRequest;
import io.ketch.api.etcdserverpb.MemberListResponse;
import io.ketch.api.etcdserverpb.MemberPromoteRequest;
import io.ketch.api.etcdserverpb.MemberPromoteResponse;
import io.ketch.api.etcdserverpb.MemberRemoveRequest;
import io.ketch.api.etcdserverpb.MemberRemoveResponse;
import io.ketch.api.etcdserverpb.MemberUpdateRequest;
import io.ketch.api.etcdserverpb.MemberUpdateResponse;
import io.ketch.client.Cluster;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** {@link Cluster} over a {@link Connection}. */
public final class ClusterImpl implements Cluster {
  private final Connection conn;

  /** The service over {@code conn}. */
  public ClusterImpl(Connection conn) {
    this.conn = conn;
  }

  @Override
  public CompletableFuture<MemberListResponse> list(boolean serializable) {
    return conn.call(ClusterGrpc.getMemberListMethod(), MemberListRequest.newBuilder().setLinearizable(!serializable).build(),
        Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<MemberAddResponse> add(List<String> peerUrls) {
    return add(peerUrls, false);
  }

  @Override
  public CompletableFuture<MemberAddResponse> addLearner(List<String> peerUrls) {
    return add(peerUrls, true);
  }

  private CompletableFuture<MemberAddResponse> add(List<String> peerUrls, boolean learner) {
    MemberAddRequest req = MemberAddRequest.newBuilder().addAllPeerURLs(peerUrls).setIsLearner(learner).build();
    return conn.call(ClusterGrpc.getMemberAddMethod(), req, Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<MemberRemoveResponse> remove(long memberId) {
    return conn.call(ClusterGrpc.getMemberRemoveMethod(), MemberRemoveRequest.newBuilder().setID(memberId).build(),
        Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<MemberUpdateResponse> update(long memberId, List<String> peerUrls) {
    MemberUpdateRequest req = MemberUpdateRequest.newBuilder().setID(memberId).addAllPeerURLs(peerUrls).build();
    return conn.call(ClusterGrpc.getMemberUpdateMethod(), req, Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<MemberPromoteResponse> promote(long memberId) {
    return conn.call(ClusterGrpc.getMemberPromoteMethod(), MemberPromoteRequest.newBuilder().setID(memberId).build(),
        Connection.Retry.ONCE, conn.requestTimeout());
  }
}
