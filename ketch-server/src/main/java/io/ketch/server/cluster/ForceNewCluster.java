package io.ketch.server.cluster;

import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.RaftMeta;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code --force-new-cluster}: a surviving member of a cluster that lost its quorum starts as
 * a one-member cluster with its data, its member ID and its cluster ID; the other members are
 * recorded as removed (to come back they are added again, with empty data dirs).
 *
 * <p>How: the member's Raft storage is moved aside to {@code member/raft.before-force-new-cluster-
 * <millis>} (kept for inspection; delete it when the new cluster runs), the Raft-log bookkeeping is
 * dropped from the backend and the member table keeps only this member; Raft then starts afresh as
 * a one-member group. Unlike etcd, entries this member had in its log but had not applied yet are
 * not carried over (etcd keeps those it knew were committed): the backend's state is what the new
 * cluster starts from. Starting again with the flag on a member that already is a one-member
 * cluster changes nothing.
 */
public final class ForceNewCluster {
  private static final Logger LOG = LoggerFactory.getLogger(ForceNewCluster.class);

  private ForceNewCluster() {}

  /**
   * Prepares the restarting member {@code id} (whose backend is {@code backend}) as a one-member
   * cluster and returns the plan to start it; returns {@code plan} itself when there is nothing to
   * do (a new member, or already a one-member cluster).
   */
  public static Bootstrap.Plan prepare(ServerConfig cfg, Bootstrap.Plan plan, Backend backend, Path raftDir)
      throws IOException {
    if (plan.firstStart()) {
      return plan; // nothing to force: a new member's data is its own
    }
    MemberIdentity id = plan.identity();
    MemberRecord fallback = MemberRecord.newBuilder().setId(id.memberId()).setName(cfg.name())
        .addAllPeerUrls(cfg.initialAdvertisePeerUrls().stream().map(URI::toString).toList()).build();
    Membership.Kept kept;
    try (Backend.Batch writes = backend.newBatch()) {
      kept = Membership.keepOnly(backend, writes, id.memberId(), fallback);
      if (kept.removed().isEmpty() && Files.isDirectory(raftDir)) {
        LOG.info("event=force-new-cluster-skipped member={}: already a one-member cluster", MemberIds.hex(id.memberId()));
        return plan;
      }
      if (Files.isDirectory(raftDir)) {
        Path aside = raftDir.resolveSibling("raft.before-force-new-cluster-" + System.currentTimeMillis());
        Files.move(raftDir, aside, StandardCopyOption.ATOMIC_MOVE);
        LOG.warn("event=force-new-cluster-raft-moved from={} to={}", raftDir, aside);
      }
      RaftMeta.forget(backend, writes);
      backend.commit(writes);
    }
    LOG.warn("event=force-new-cluster member={} cluster={} removed={}", MemberIds.hex(id.memberId()),
        MemberIds.hex(id.clusterId()), kept.removed().stream().map(MemberIds::hex).toList());
    return new Bootstrap.Plan(id, true,
        List.of(new Bootstrap.Peer(id.memberId(), MembershipReconciler.address(kept.self()))), List.of());
  }
}
