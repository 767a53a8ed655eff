package io.ketch.server.api;

import io.grpc.stub.StreamObserver;
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
import io.ketch.server.cluster.ClusterAdmin;
import io.ketch.server.cluster.Membership;
import io.ketch.server.peer.PeerMethods;
import io.ketch.server.raft.LeaderCalls;
import io.ketch.server.raft.RaftNode;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * etcd's Cluster service (its headers carry no revision, as etcd's). The member list is read linearizably (after a ReadIndex round, as etcd
 * 3.5+ serves etcdctl's default), so a member added anywhere is listed everywhere at once. Changes
 * are decided on the leader (they depend on its view of the others) and forwarded there from any
 * other member, as etcd forwards them.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final RaftNode raft;
  private final Membership membership;
  private final Headers headers;
  private final Function<MemberAddRequest, CompletableFuture<MemberAddResponse>> add;
  private final Function<MemberRemoveRequest, CompletableFuture<MemberRemoveResponse>> remove;
  private final Function<MemberUpdateRequest, CompletableFuture<MemberUpdateResponse>> update;
  private final Function<MemberPromoteRequest, CompletableFuture<MemberPromoteResponse>> promote;

  ClusterService(RaftNode raft, Membership membership, ClusterAdmin admin, Headers headers) {
    this.raft = raft;
    this.membership = membership;
    this.headers = headers;
    LeaderCalls calls = raft.leaderCalls();
    this.add = calls.route(PeerMethods.MEMBER_ADD, admin::add);
    this.remove = calls.route(PeerMethods.MEMBER_REMOVE, admin::remove);
    this.update = calls.route(PeerMethods.MEMBER_UPDATE, admin::update);
    this.promote = calls.route(PeerMethods.MEMBER_PROMOTE, admin::promote);
  }

  @Override
  public void memberList(MemberListRequest r, StreamObserver<MemberListResponse> out) {
    raft.readBarrier().thenApply(v -> MemberListResponse.newBuilder()
            .setHeader(headers.of(0))
            .addAllMembers(ClusterAdmin.toMembers(membership.members()))
            .build())
        .whenComplete((resp, err) -> Replies.reply(resp, err, out));
  }

  @Override
  public void memberAdd(MemberAddRequest r, StreamObserver<MemberAddResponse> out) {
    add.apply(r).whenComplete((resp, err) -> Replies.reply(
        resp == null ? null : resp.toBuilder().setHeader(headers.of(0)).build(), err, out));
  }

  @Override
  public void memberRemove(MemberRemoveRequest r, StreamObserver<MemberRemoveResponse> out) {
    remove.apply(r).whenComplete((resp, err) -> Replies.reply(
        resp == null ? null : resp.toBuilder().setHeader(headers.of(0)).build(), err, out));
  }

  @Override
  public void memberUpdate(MemberUpdateRequest r, StreamObserver<MemberUpdateResponse> out) {
    update.apply(r).whenComplete((resp, err) -> Replies.reply(
        resp == null ? null : resp.toBuilder().setHeader(headers.of(0)).build(), err, out));
  }

  @Override
  public void memberPromote(MemberPromoteRequest r, StreamObserver<MemberPromoteResponse> out) {
    promote.apply(r).whenComplete((resp, err) -> Replies.reply(
        resp == null ? null : resp.toBuilder().setHeader(headers.of(0)).build(), err, out));
  }
}
