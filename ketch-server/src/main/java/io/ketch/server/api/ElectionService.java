package io.ketch.server.api;

import io.grpc.stub.StreamObserver;
import io.ketch.api.v3electionpb.CampaignRequest;
import io.ketch.api.v3electionpb.CampaignResponse;
import io.ketch.api.v3electionpb.ElectionGrpc;
import io.ketch.api.v3electionpb.LeaderRequest;
import io.ketch.api.v3electionpb.LeaderResponse;
import io.ketch.api.v3electionpb.ProclaimRequest;
import io.ketch.api.v3electionpb.ProclaimResponse;
import io.ketch.api.v3electionpb.ResignRequest;
import io.ketch.api.v3electionpb.ResignResponse;
import io.ketch.server.auth.Authorizer;
import io.ketch.server.auth.RequestPermissions;
import io.ketch.server.concurrency.Elections;
import java.util.concurrent.CompletableFuture;

/** etcd's v3electionpb.Election service over {@link Elections}. A Campaign cancelled while waiting resigns. */
final class ElectionService extends ElectionGrpc.ElectionImplBase {
  private final Elections elections;

  private final RequestPermissions permissions;

  ElectionService(Elections elections, RequestPermissions permissions) {
    this.elections = elections;
    this.permissions = permissions;
  }

  @Override
  public void campaign(CampaignRequest r, StreamObserver<CampaignResponse> out) {
    if (LockService.denied(permissions.checkRecipe(Authorizer.caller(), r.getName(), true), out)) {
      return;
    }
    CompletableFuture<Void> cancelled = CallCancellation.of(out);
    elections.campaign(r.getName(), r.getLease(), r.getValue(), cancelled).whenComplete((resp, err) -> {
      if (!cancelled.isDone()) {
        Replies.replyAsRecipe(resp, err, out);
      }
      cancelled.complete(null);
    });
  }

  @Override
  public void proclaim(ProclaimRequest r, StreamObserver<ProclaimResponse> out) {
    if (!r.hasLeader()) {
      out.onError(Elections.missingLeaderKey());
      return;
    }
    if (LockService.denied(permissions.checkWrite(Authorizer.caller(), r.getLeader().getKey()), out)) {
      return;
    }
    elections.proclaim(r.getLeader(), r.getValue()).whenComplete((resp, err) -> Replies.replyAsRecipe(resp, err, out));
  }

  @Override
  public void leader(LeaderRequest r, StreamObserver<LeaderResponse> out) {
    if (LockService.denied(permissions.checkRecipe(Authorizer.caller(), r.getName(), false), out)) {
      return;
    }
    elections.leader(r.getName()).whenComplete((resp, err) -> Replies.replyAsRecipe(resp, err, out));
  }

  @Override
  public void observe(LeaderRequest r, StreamObserver<LeaderResponse> out) {
    if (LockService.denied(permissions.checkRecipe(Authorizer.caller(), r.getName(), false), out)) {
      return;
    }
    CompletableFuture<Void> cancelled = CallCancellation.of(out);
    elections.observe(r.getName(), out::onNext, cancelled).whenComplete((v, err) -> {
      if (err != null && !cancelled.isDone()) {
        Replies.replyAsRecipe(null, err, out);
      }
      cancelled.complete(null);
    });
  }

  @Override
  public void resign(ResignRequest r, StreamObserver<ResignResponse> out) {
    if (!r.hasLeader()) {
      out.onError(Elections.missingLeaderKey());
      return;
    }
    if (LockService.denied(permissions.checkWrite(Authorizer.caller(), r.getLeader().getKey()), out)) {
      return;
    }
    elections.resign(r.getLeader()).whenComplete((resp, err) -> Replies.replyAsRecipe(resp, err, out));
  }
}
