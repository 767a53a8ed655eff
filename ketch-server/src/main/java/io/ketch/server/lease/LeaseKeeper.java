package io.ketch.server.lease;

import io.ketch.api.etcdserverpb.LeaseCheckpoint;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's side of the lessor, as etcd's lessor run loop: keeps the {@link Lessor}'s role in
 * step with Raft leadership, and on each tick proposes revokes for expired leases and checkpoints of
 * remaining TTLs through the log. Keepalives are renewed here, so a renewal that makes a stored
 * checkpoint stale also proposes clearing it.
 */
public final class LeaseKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
  /** etcd revokes at most 1,000 expired leases per second; at most this many per tick. */
  static final int MAX_REVOKES_PER_TICK = 500;
  /** etcd's maxLeaseCheckpointBatchSize. */
  static final int MAX_CHECKPOINTS_PER_PROPOSAL = 1000;

  /** What the keeper proposes through the Raft log; each future completes once applied. */
  public interface Proposals {
    CompletableFuture<?> revoke(long id);

    CompletableFuture<?> checkpoint(List<LeaseCheckpoint> checkpoints);
  }

  private final Lessor lessor;
  private final BooleanSupplier leading;
  private final Duration promotionExtension;
  private final Proposals proposals;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ketch-lessor");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param leading whether this member leads and has applied what earlier leaders committed
   * @param promotionExtension what a new leader adds to every lease's countdown (etcd: the election
   *     timeout)
   */
  public LeaseKeeper(Lessor lessor, BooleanSupplier leading, Duration promotionExtension, Proposals proposals) {
    this.lessor = lessor;
    this.leading = leading;
    this.promotionExtension = promotionExtension;
    this.proposals = proposals;
  }

  /** Ticks every {@code interval} (etcd checks for expired leases every 500 ms). */
  public void start(Duration interval) {
    timer.scheduleWithFixedDelay(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        LOG.warn("event=lessor-tick-failed", e);
      }
    }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One round: follow leadership, propose due revokes and checkpoints. */
  public void tick() {
    followLeadership();
    for (long id : lessor.takeExpired(MAX_REVOKES_PER_TICK)) {
      proposals.revoke(id).whenComplete((v, err) -> {
        if (err != null) {
          LOG.debug("event=lease-revoke-not-applied lease={} error={}", id, err.toString());
        }
      });
    }
    List<LeaseCheckpoint> due;
    while (!(due = lessor.takeDueCheckpoints(MAX_CHECKPOINTS_PER_PROPOSAL)).isEmpty()) {
      proposals.checkpoint(due);
      if (due.size() < MAX_CHECKPOINTS_PER_PROPOSAL) {
        break;
      }
    }
  }

  /**
   * A keepalive: renews lease {@code id} and completes with its TTL, or 0 when it does not exist or
   * has expired (etcd's answer). When the lease had a checkpointed remaining TTL, the answer waits
   * until clearing it has been applied (as etcd 3.6 does): otherwise a leader elected right after
   * could count down from the stale checkpoint and revoke a lease whose keepalive was acknowledged.
   *
   * @throws Lessor.NotPrimaryException when this member does not lead
   */
  public CompletableFuture<Long> renew(long id) {
    followLeadership();
    Lessor.Renewal r = lessor.renew(id);
    if (r == null) {
      return CompletableFuture.completedFuture(0L);
    }
    if (r.clearCheckpoint()) {
      return proposals.checkpoint(List.of(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(0).build()))
          .thenApply(v -> r.ttl());
    }
    return CompletableFuture.completedFuture(r.ttl());
  }

  /** The lease's TTLs as the primary counts them (see {@link Lessor#timeToLive}); null if unknown. */
  public Lessor.TimeToLive timeToLive(long id, boolean withKeys) {
    followLeadership();
    return lessor.timeToLive(id, withKeys);
  }

  /** Every lease ID, soonest expiry first. */
  public List<Long> leases() {
    followLeadership();
    return lessor.ids();
  }

  /**
   * Promotes the lessor if this member now leads (or demotes it if it no longer does). The tick does
   * it within 500 ms; a grant does it first, so that a lease granted right after an election counts
   * down from its grant as on etcd, whose lessor is promoted when the leader is elected, not from
   * the promotion after it (which adds the election timeout).
   */
  public void followLeadership() {
    boolean leads = leading.getAsBoolean();
    if (leads && !lessor.isPrimary()) {
      lessor.promote(promotionExtension);
    } else if (!leads && lessor.isPrimary()) {
      lessor.demote();
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
