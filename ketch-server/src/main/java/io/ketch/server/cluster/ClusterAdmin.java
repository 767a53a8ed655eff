package io.ketch.server.cluster;

import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.Member;
import io.ketch.api.etcdserverpb.MemberAddRequest;
import io.ketch.api.etcdserverpb.MemberAddResponse;
import io.ketch.api.etcdserverpb.MemberPromoteRequest;
import io.ketch.api.etcdserverpb.MemberPromoteResponse;
import io.ketch.api.etcdserverpb.MemberRemoveRequest;
import io.ketch.api.etcdserverpb.MemberRemoveResponse;
import io.ketch.api.etcdserverpb.MemberUpdateRequest;
import io.ketch.api.etcdserverpb.MemberUpdateResponse;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.cluster.proto.MemberChange;
import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.peer.proto.ClusterInfoRequest;
import io.ketch.server.peer.proto.ClusterInfoResponse;
import io.ketch.server.peer.proto.RaftPeer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The membership changes of etcd's Cluster service, decided on the leader: etcd's pre-checks that
 * need one member's view of the others (strict reconfiguration: enough started members, every voter
 * connected; a learner in sync before promotion) run here, then the change goes through the log to
 * the {@link Membership} table, and {@link MembershipReconciler} brings Ratis's configuration along.
 */
public final class ClusterAdmin {
  /** etcd's HealthInterval: a peer counts as connected if it answered within this. */
  static final Duration HEALTH_INTERVAL = Duration.ofSeconds(5);
  /** etcd's readyPercent: a learner is in sync when its log reaches 90% of the leader's. */
  private static final double READY_PERCENT = 0.9;

  /** Proposes a membership change through the log; completes with what the apply answered. */
  public interface Proposals {
    CompletableFuture<Membership.Result> propose(MemberChange change);
  }

  private final long clusterId;
  private final Membership membership;
  private final RaftGroupView raft;
  private final Proposals proposals;
  private final boolean strictReconfigCheck;
  private final LongSupplier unixSeconds;

  public ClusterAdmin(long clusterId, Membership membership, RaftGroupView raft, Proposals proposals,
      boolean strictReconfigCheck, LongSupplier unixSeconds) {
    this.clusterId = clusterId;
    this.membership = membership;
    this.raft = raft;
    this.proposals = proposals;
    this.strictReconfigCheck = strictReconfigCheck;
    this.unixSeconds = unixSeconds;
  }

  /** etcd's MemberAdd: a new member (ID from its peer URLs and the time, as etcd's NewMember). */
  public CompletableFuture<MemberAddResponse> add(MemberAddRequest r) {
    List<String> urls = validUrls(r.getPeerURLsList());
    if (strictReconfigCheck) {
      if (!r.getIsLearner() && !readyToAddVoter()) {
        throw new EtcdException(EtcdError.MEMBER_NOT_ENOUGH_STARTED);
      }
      if (!allVotersConnected()) {
        throw new EtcdException(EtcdError.UNHEALTHY);
      }
    }
    long id = newMemberId(urls, unixSeconds.getAsLong());
    MemberRecord m = MemberRecord.newBuilder().setId(id).addAllPeerUrls(urls).setIsLearner(r.getIsLearner()).build();
    return proposals.propose(MemberChange.newBuilder().setAdd(m).build())
        .thenApply(res -> MemberAddResponse.newBuilder().setMember(toMember(res.member()))
            .addAllMembers(toMembers(res.members())).build());
  }

  /** etcd's MemberRemove. */
  public CompletableFuture<MemberRemoveResponse> remove(MemberRemoveRequest r) {
    if (strictReconfigCheck) {
      mayRemove(r.getID());
    }
    return proposals.propose(MemberChange.newBuilder().setRemove(r.getID()).build())
        .thenApply(res -> MemberRemoveResponse.newBuilder().addAllMembers(toMembers(res.members())).build());
  }

  /** etcd's MemberUpdate: new peer URLs for a member (it is then restarted with them). */
  public CompletableFuture<MemberUpdateResponse> update(MemberUpdateRequest r) {
    List<String> urls = validUrls(r.getPeerURLsList());
    return proposals.propose(MemberChange.newBuilder()
            .setUpdate(MemberChange.PeerUrls.newBuilder().setId(r.getID()).addAllPeerUrls(urls)).build())
        .thenApply(res -> MemberUpdateResponse.newBuilder().addAllMembers(toMembers(res.members())).build());
  }

  /** etcd's MemberPromote: a learner in sync with the leader becomes a voter. */
  public CompletableFuture<MemberPromoteResponse> promote(MemberPromoteRequest r) {
    long id = r.getID();
    MemberRecord m = membership.member(id);
    if (m != null && m.getIsLearner()) {
      // etcd checks the Raft progress of whatever it is asked to promote; a learner that has not
      // joined Ratis's configuration yet has replicated nothing
      RaftGroupView.Progress p = raft.progress().get(id);
      long match = p == null ? 0 : p.matchIndex();
      if (match < raft.lastIndex() * READY_PERCENT) {
        throw new EtcdException(EtcdError.LEARNER_NOT_READY);
      }
    }
    if (strictReconfigCheck && !readyToPromote()) {
      throw new EtcdException(EtcdError.MEMBER_NOT_ENOUGH_STARTED);
    }
    return proposals.propose(MemberChange.newBuilder().setPromote(id).build())
        .thenApply(res -> MemberPromoteResponse.newBuilder().addAllMembers(toMembers(res.members())).build());
  }

  /** What a joining member asks: the cluster, its members and the Raft configuration (any member answers). */
  public CompletableFuture<ClusterInfoResponse> info(ClusterInfoRequest r) {
    RaftGroupView.Configuration conf = raft.latestConfiguration();
    ClusterInfoResponse.Builder b = ClusterInfoResponse.newBuilder()
        .setClusterId(clusterId)
        .setMemberId(raft.memberId())
        .addAllMembers(membership.members())
        .setCommitIndex(raft.leading() ? raft.lastIndex() : 0);
    for (long id : conf.voters()) {
      b.addVoters(peer(id));
    }
    for (long id : conf.listeners()) {
      b.addListeners(peer(id));
    }
    return CompletableFuture.completedFuture(b.build());
  }

  private RaftPeer peer(long id) {
    MemberRecord m = membership.member(id);
    return RaftPeer.newBuilder().setId(id).setAddress(m == null ? "" : MembershipReconciler.address(m)).build();
  }

  // ---- etcd's RaftCluster.IsReadyTo* (a member is started once it has a name) ----

  private boolean readyToAddVoter() {
    int members = 1;
    int started = 0;
    for (MemberRecord m : voters()) {
      if (!m.getName().isEmpty()) {
        started++;
      }
      members++;
    }
    if (started == 1 && members == 2) {
      return true; // growing a one-member cluster (etcd: restoring a cluster from a backup)
    }
    return started >= members / 2 + 1;
  }

  private boolean readyToPromote() {
    int members = 1;
    int started = 1;
    for (MemberRecord m : voters()) {
      if (!m.getName().isEmpty()) {
        started++;
      }
      members++;
    }
    return started >= members / 2 + 1;
  }

  /** etcd's mayRemoveMember, strict part. */
  private void mayRemove(long id) {
    MemberRecord target = membership.member(id);
    if (target != null && target.getIsLearner()) {
      return; // a learner is not part of any quorum
    }
    int members = 0;
    int started = 0;
    for (MemberRecord m : voters()) {
      if (m.getId() == id) {
        continue;
      }
      if (!m.getName().isEmpty()) {
        started++;
      }
      members++;
    }
    if (started < members / 2 + 1) {
      throw new EtcdException(EtcdError.MEMBER_NOT_ENOUGH_STARTED);
    }
    Map<Long, RaftGroupView.Progress> progress = raft.progress();
    if (id != raft.memberId() && !connected(progress.get(id))) {
      return; // a member that is down is not part of the active quorum
    }
    List<MemberRecord> voters = voters();
    int active = 0;
    for (MemberRecord m : voters) {
      if (m.getId() == raft.memberId() || connected(progress.get(m.getId()))) {
        active++;
      }
    }
    if (active - 1 < 1 + (voters.size() - 1) / 2) {
      throw new EtcdException(EtcdError.UNHEALTHY);
    }
  }

  private boolean allVotersConnected() {
    Map<Long, RaftGroupView.Progress> progress = raft.progress();
    for (MemberRecord m : voters()) {
      if (m.getId() != raft.memberId() && !connected(progress.get(m.getId()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean connected(RaftGroupView.Progress p) {
    return p != null && p.sinceContact().compareTo(HEALTH_INTERVAL) < 0;
  }

  private List<MemberRecord> voters() {
    List<MemberRecord> out = new ArrayList<>();
    for (MemberRecord m : membership.members()) {
      if (!m.getIsLearner()) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * etcd's types.NewURLs: http(s) or unix(s) URLs with a host:port and no path.
   *
   * @throws EtcdException etcd's "given member URLs are invalid"
   */
  static List<String> validUrls(List<String> urls) {
    if (urls.isEmpty()) {
      throw new EtcdException(EtcdError.MEMBER_BAD_URLS);
    }
    List<String> out = new ArrayList<>();
    for (String s : urls) {
      URI u;
      try {
        u = new URI(s.trim());
      } catch (URISyntaxException e) {
        throw new EtcdException(EtcdError.MEMBER_BAD_URLS);
      }
      String scheme = u.getScheme();
      boolean known = "http".equals(scheme) || "https".equals(scheme) || "unix".equals(scheme)
          || "unixs".equals(scheme);
      if (!known || u.getHost() == null || u.getPort() < 0 || (u.getPath() != null && !u.getPath().isEmpty())) {
        throw new EtcdException(EtcdError.MEMBER_BAD_URLS);
      }
      out.add(s.trim());
    }
    return out;
  }

  /** etcd's NewMember ID: SHA-1 of the sorted peer URLs, an empty cluster name and the Unix time. */
  static long newMemberId(List<String> peerUrls, long unixSeconds) {
    List<String> sorted = new ArrayList<>(peerUrls);
    sorted.sort(null);
    StringBuilder b = new StringBuilder();
    for (String u : sorted) {
      b.append(u);
    }
    b.append(unixSeconds);
    return MemberIds.sha1First8(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A table record as etcd's Member message. */
  public static Member toMember(MemberRecord m) {
    return Member.newBuilder().setID(m.getId()).setName(m.getName()).addAllPeerURLs(m.getPeerUrlsList())
        .addAllClientURLs(m.getClientUrlsList()).setIsLearner(m.getIsLearner()).build();
  }

  /** The table as etcd's member list. */
  public static List<Member> toMembers(List<MemberRecord> ms) {
    List<Member> out = new ArrayList<>(ms.size());
    for (MemberRecord m : ms) {
      out.add(toMember(m));
    }
    return out;
  }
}
