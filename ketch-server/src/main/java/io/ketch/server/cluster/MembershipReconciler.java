package io.ketch.server.cluster;

import io.ketch.server.cluster.proto.MemberChange;
import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.config.Flags;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings Ratis's configuration in line with the member table, on the leader, one change at a time
 * (DESIGN §11). etcd changes its Raft configuration when a member is added; Ratis instead catches a
 * new peer up before it counts, so Ketch records the member in the table at once (MemberAdd returns,
 * as etcd's does) and changes the configuration here once the member runs:
 *
 * <ol>
 *   <li>a member removed from the table leaves the configuration (when it is the leader itself,
 *       leadership moves to another voter first, and the new leader removes it);
 *   <li>a member whose peer URLs changed is reached at its new address;
 *   <li>a member of the table that is not in the configuration joins it as a non-voting listener as
 *       soon as its peer port answers;
 *   <li>a listener that the table says votes (a new voter, or a promoted learner) becomes a voter
 *       once its log is within {@value #CATCH_UP_GAP} entries of the leader's.
 * </ol>
 *
 * <p>A new cluster's first leader also proposes the initial member table (etcd writes it as the first
 * entries of every member's log).
 *
 * <p>Never removes a peer unless the table says it was removed: an inconsistency here must not cost
 * the cluster its quorum. Concurrency: runs on its own single thread; {@code busy} is touched only
 * there and by the completion of the change it started.
 */
public final class MembershipReconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MembershipReconciler.class);
  static final long CATCH_UP_GAP = 1000;

  private final Membership membership;
  private final RaftGroupView raft;
  private final MemberIdentity identity;
  private final ClusterAdmin.Proposals proposals;
  private final Duration transferTimeout;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ketch-membership");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean busy;

  /**
   * @param transferTimeout how long a leadership hand-over may take before it is given up: the
   *     leader refuses writes while one is pending, so it is kept short (etcd's Raft gives up a
   *     transfer after one election timeout)
   */
  public MembershipReconciler(Membership membership, RaftGroupView raft, MemberIdentity identity,
      ClusterAdmin.Proposals proposals, Duration transferTimeout) {
    this.membership = membership;
    this.raft = raft;
    this.identity = identity;
    this.proposals = proposals;
    this.transferTimeout = transferTimeout;
    membership.addListener(m -> wake());
  }

  /** Two election timeouts, at least a second. */
  public static Duration transferTimeout(Duration electionTimeout) {
    Duration two = electionTimeout.multipliedBy(2);
    return two.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : two;
  }

  /** Checks every {@code interval}, and whenever the table changes. */
  public void start(Duration interval) {
    thread.scheduleWithFixedDelay(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void wake() {
    try {
      thread.execute(this::tick);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  private void tick() {
    try {
      if (busy || !raft.leading()) {
        return;
      }
      if (membership.isEmpty()) {
        proposeInitialTable();
        return;
      }
      RaftGroupView.Configuration conf = raft.configuration();
      if (conf != null) {
        step(conf);
      }
    } catch (RuntimeException e) {
      LOG.warn("event=membership-reconcile-failed error={}", e.toString());
    }
  }

  private void step(RaftGroupView.Configuration conf) {
    long self = raft.memberId();
    if (membership.isRemoved(self) && conf.voters().contains(self)) {
      handOverLeadership();
      return;
    }
    for (long id : all(conf)) {
      if (id != self && membership.isRemoved(id)) {
        change("remove " + MemberIds.hex(id), without(conf, id));
        return;
      }
    }
    for (MemberRecord m : membership.members()) {
      if (!conf.contains(m.getId())) {
        busy = true;
        raft.reachable(address(m)).whenComplete((up, err) -> {
          busy = false;
          if (Boolean.TRUE.equals(up)) {
            thread.execute(() -> {
              if (!busy && raft.leading() && conf.equals(raft.configuration())) {
                // a voter joins as a voter (Ratis catches it up before it counts); a learner as a listener
                change("add " + (m.getIsLearner() ? "listener " : "voter ") + MemberIds.hex(m.getId()),
                    with(conf, m.getId(), !m.getIsLearner()));
              }
            });
          }
        });
        return;
      }
    }
    Map<Long, RaftGroupView.Progress> progress = raft.progress();
    for (MemberRecord m : membership.members()) {
      if (!m.getIsLearner() && conf.listeners().contains(m.getId())) {
        RaftGroupView.Progress p = progress.get(m.getId());
        if (p != null && p.matchIndex() >= raft.lastIndex() - CATCH_UP_GAP) {
          promote(conf, m.getId());
          return;
        }
      }
    }
  }

  /** This leader was removed: the most up-to-date other voter takes over and finishes the removal. */
  private void handOverLeadership() {
    busy = true;
    LOG.info("event=removed-leader-handing-over");
    raft.handOver(id -> !membership.isRemoved(id), transferTimeout).whenComplete((v, err) -> {
      busy = false;
      if (err != null) {
        LOG.warn("event=removed-leader-handover-failed error={}", err.toString());
      }
    });
  }

  private void change(String what, RaftGroupView.Configuration next) {
    busy = true;
    LOG.info("event=raft-reconfiguring change=\"{}\" voters={} listeners={}", what, hex(next.voters()),
        hex(next.listeners()));
    CompletableFuture<Void> f;
    try {
      f = raft.reconfigure(next);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((v, err) -> {
      busy = false;
      if (err != null) {
        LOG.warn("event=raft-reconfigure-failed change=\"{}\" error={}", what, err.toString());
      } else {
        LOG.info("event=raft-reconfigured change=\"{}\"", what);
        wake();
      }
    });
  }

  private void proposeInitialTable() {
    if (identity.initialCluster().isEmpty()) {
      return; // a joiner: the table came with the log
    }
    MemberChange.Bootstrap.Builder b = MemberChange.Bootstrap.newBuilder().setClusterId(identity.clusterId());
    Map<String, java.util.List<URI>> initial;
    try {
      initial = Flags.initialCluster(identity.initialCluster());
    } catch (Flags.FlagException e) {
      LOG.error("event=initial-cluster-unreadable value=\"{}\" error={}", identity.initialCluster(), e.getMessage());
      return;
    }
    for (var e : initial.entrySet()) {
      b.addMembers(MemberRecord.newBuilder()
          .setId(MemberIds.memberId(e.getValue(), identity.clusterToken()))
          .setName(e.getKey())
          .addAllPeerUrls(e.getValue().stream().map(URI::toString).toList()));
    }
    busy = true;
    proposals.propose(MemberChange.newBuilder().setBootstrap(b).build()).whenComplete((r, err) -> {
      busy = false;
      if (err != null) {
        LOG.warn("event=initial-members-not-proposed error={}", err.toString());
      }
    });
  }

  /**
   * A promoted learner becomes a voter, then leadership moves: Ratis 3.3's leader keeps counting a
   * peer that joined as a listener as "not caught up" after its promotion, and while such a peer is
   * down the next member added makes the leader drop its log appender for good. A new leader
   * counts every peer as caught up. The promoted member itself is not the one to take over: it may
   * not have seen its promotion yet, and a listener ignores a call to stand for election, so the
   * leader would refuse writes until the transfer timed out.
   */
  private void promote(RaftGroupView.Configuration conf, long id) {
    busy = true;
    String what = "make " + MemberIds.hex(id) + " a voter";
    LOG.info("event=raft-reconfiguring change=\"{}\"", what);
    raft.reconfigure(with(conf, id, true))
        .thenCompose(v -> raft.handOver(x -> x != id && !membership.isRemoved(x), transferTimeout))
        .whenComplete((v, err) -> {
          busy = false;
          if (err != null) {
            LOG.warn("event=raft-reconfigure-failed change=\"{}\" error={}", what, err.toString());
          } else {
            LOG.info("event=raft-reconfigured change=\"{}\" leader_handed_over=true", what);
          }
          wake();
        });
  }

  private static Set<Long> all(RaftGroupView.Configuration conf) {
    Set<Long> all = new LinkedHashSet<>(conf.voters());
    all.addAll(conf.listeners());
    return all;
  }

  private static RaftGroupView.Configuration without(RaftGroupView.Configuration conf, long id) {
    Set<Long> voters = new LinkedHashSet<>(conf.voters());
    Set<Long> listeners = new LinkedHashSet<>(conf.listeners());
    voters.remove(id);
    listeners.remove(id);
    return new RaftGroupView.Configuration(voters, listeners);
  }

  private static RaftGroupView.Configuration with(RaftGroupView.Configuration conf, long id, boolean voter) {
    RaftGroupView.Configuration rest = without(conf, id);
    Set<Long> voters = new LinkedHashSet<>(rest.voters());
    Set<Long> listeners = new LinkedHashSet<>(rest.listeners());
    (voter ? voters : listeners).add(id);
    return new RaftGroupView.Configuration(voters, listeners);
  }

  /** Where a member's Raft server is reached: its first peer URL's host and port. */
  public static String address(MemberRecord m) {
    return Bootstrap.address(URI.create(m.getPeerUrls(0)));
  }

  private static java.util.List<String> hex(Set<Long> peers) {
    return peers.stream().map(MemberIds::hex).toList();
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
