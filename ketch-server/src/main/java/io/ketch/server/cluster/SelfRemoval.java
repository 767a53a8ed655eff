package io.ketch.server.cluster;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a member does once it applies its own removal from the member table: it keeps its Raft
 * server running until the leader has taken it out of the Raft configuration (a two-member
 * cluster cannot commit that change without it), then stops, as etcd's removed member does ("the
 * member has been permanently removed from the cluster"). It knows it is out when its
 * configuration no longer lists it, when Ratis has closed its replica (a removed follower finds
 * itself outside the configuration at its next election timeout), or at once when it is a learner
 * (no quorum needs it); and it stops after {@link #LINGER} in any case.
 */
public final class SelfRemoval {
  private static final Logger LOG = LoggerFactory.getLogger(SelfRemoval.class);
  static final Duration LINGER = Duration.ofSeconds(30);

  private final AtomicBoolean started = new AtomicBoolean();

  /**
   * Watches {@code membership} for this member's removal; then calls {@code stop} on a thread of
   * its own once {@code raft} no longer lists this member (or after {@link #LINGER}).
   */
  public SelfRemoval(Membership membership, RaftGroupView raft, Runnable stop) {
    membership.addListener(m -> {
      if (m.isRemoved(raft.memberId()) && started.compareAndSet(false, true)) {
        Thread t = new Thread(() -> linger(raft, stop), "ketch-removed");
        t.setDaemon(true);
        t.start();
      }
    });
  }

  private static void linger(RaftGroupView raft, Runnable stop) {
    LOG.warn("event=member-removed-from-cluster member={}: the member has been permanently removed from the cluster;"
        + " it stops once out of the Raft configuration. The data-dir used by this member must be removed.",
        MemberIds.hex(raft.memberId()));
    long deadline = System.nanoTime() + LINGER.toNanos();
    while (System.nanoTime() < deadline) {
      RaftGroupView.Configuration conf = raft.latestConfiguration();
      if (!conf.contains(raft.memberId()) || conf.listeners().contains(raft.memberId()) || !raft.running()) {
        break;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    LOG.warn("event=stopping-removed-member member={}", MemberIds.hex(raft.memberId()));
    stop.run();
  }
}
