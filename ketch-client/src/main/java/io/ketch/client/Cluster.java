package io.ketch.client;

import io.ketch.api.etcdserverpb.MemberAddResponse;
import io.ketch.api.etcdserverpb.MemberListResponse;
import io.ketch.api.etcdserverpb.MemberPromoteResponse;
import io.ketch.api.etcdserverpb.MemberRemoveResponse;
import io.ketch.api.etcdserverpb.MemberUpdateResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Cluster service: membership. Listing is repeatable; every change is sent once (a repeat
 * could add a second member or fail confusingly).
 */
public interface Cluster {
  /** The members (linearizable unless {@code serializable}). Repeatable. */
  CompletableFuture<MemberListResponse> list(boolean serializable);

  /** Adds a voting member with these peer URLs. Sent once. */
  CompletableFuture<MemberAddResponse> add(List<String> peerUrls);

  /** Adds a learner (non-voting member) with these peer URLs. Sent once. */
  CompletableFuture<MemberAddResponse> addLearner(List<String> peerUrls);

  /** Removes the member. Sent once. */
  CompletableFuture<MemberRemoveResponse> remove(long memberId);

  /** Replaces the member's peer URLs. Sent once. */
  CompletableFuture<MemberUpdateResponse> update(long memberId, List<String> peerUrls);

  /** Makes a caught-up learner a voting member. Sent once. */
  CompletableFuture<MemberPromoteResponse> promote(long memberId);
}
