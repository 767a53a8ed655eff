package io.ketch.server.raft;

import com.google.protobuf.ByteString;
import io.ketch.server.raft.proto.InternalBatch;
import io.ketch.server.raft.proto.InternalRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Proposal batching (DESIGN §10): requests that arrive while proposals are in flight are combined
 * into one Raft entry, bounded by count and bytes. One fsync and one Raft round then carry many
 * client writes; each request still gets its own revision and response.
 *
 * <p>Concurrency: any thread may {@link #submit}; at most one thread drains the queue at a time
 * ({@code draining}), and at most {@code maxInFlight} entries are proposed and not yet answered,
 * except for one nudge per stall (below).
 *
 * <p>Stalls: Ratis 3.3's apply thread can miss the wake-up for a commit that lands just as it goes to
 * wait (its signal is kept only for a wait already begun), and then sleeps out its 100 ms poll. With
 * one entry in flight nothing else would wake it, so every client waits. An entry in flight for
 * longer than {@value #STALL_MILLIS} ms while the apply thread lags the commit index therefore gets
 * another entry proposed behind it (the queued requests, or an empty batch): its commit wakes the
 * apply thread, which applies both. An entry still waiting for its followers is not nudged (in a
 * cluster most entries take longer than that to commit). One nudge at a time: the next waits until
 * some entry completes.
 */
final class Proposer implements AutoCloseable {
  static final long STALL_MILLIS = 10;
  private static final int MAX_BATCH_COUNT = 4096;
  private static final int MAX_BATCH_BYTES = 1 << 20;

  private final long proposerId;
  private final int maxInFlight;
  private final long applyTimeoutMillis;
  /**
   * Whether this member's apply thread is behind its commit index: the mark of the lost wake-up a
   * nudge is for (an entry that merely waits for its followers needs none).
   */
  private final BooleanSupplier applyBehind;
  /** The number of the next batch (from 1; see ProposerSessions). Taken under {@code draining}. */
  private long nextSeq = 1;
  private final Function<InternalBatch, CompletableFuture<Void>> propose;
  private final Waiters waiters;
  private final ConcurrentLinkedQueue<InternalRequest> queue = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Forwarded> forwarded = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** When the latest entry was proposed (System.nanoTime()). */
  private volatile long proposedAt;
  /** A nudge was proposed and no entry has completed since: no further nudge until one does. */
  private volatile boolean nudged;
  private final ScheduledExecutorService stallCheck;

  /**
   * @param propose replicates one entry; completes when it is committed and applied, or fails
   * @param applyBehind whether the apply thread lags the commit index (only then is an entry nudged)
   * @param applyTimeout how long the requests of an entry the leader applied may wait for this
   *     member's own apply (which answers them) before they fail with etcd's timeout
   */
  Proposer(long proposerId, int maxInFlight, Function<InternalBatch, CompletableFuture<Void>> propose,
      Waiters waiters, Duration applyTimeout, BooleanSupplier applyBehind) {
    this.proposerId = proposerId;
    this.applyBehind = applyBehind;
    this.maxInFlight = maxInFlight;
    this.applyTimeoutMillis = applyTimeout.toMillis();
    this.propose = propose;
    this.waiters = waiters;
    this.stallCheck = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ketch-proposer-stall-check");
      t.setDaemon(true);
      return t;
    });
    stallCheck.scheduleWithFixedDelay(this::nudgeIfStalled, STALL_MILLIS, STALL_MILLIS / 2, TimeUnit.MILLISECONDS);
  }

  /** See the class note: proposes one entry past the in-flight limit if the latest has stalled. */
  private void nudgeIfStalled() {
    long at = proposedAt;
    if (inFlight.get() == 0 || nudged || System.nanoTime() - at < TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)
        || !applyBehind.getAsBoolean()) {
      return;
    }
    if (!draining.compareAndSet(false, true)) {
      return; // someone is proposing: that entry's commit wakes the apply thread anyway
    }
    try {
      if (inFlight.get() > 0 && proposedAt == at) {
        nudged = true;
        proposeOne(takeBatch());
      }
    } finally {
      draining.set(false);
    }
    drain();
  }

  /** Queues a request (its id already registered with the waiters) for the next entry. */
  void submit(InternalRequest request) {
    queue.add(request);
    drain();
  }

  /**
   * Queues a batch another member forwarded to this leader: it goes into this member's next entry
   * as it is (its proposer, number and requests), so the leader's entry carries every member's
   * requests and the cluster makes one entry per round rather than one per member. Completes once
   * that entry is applied here (or fails, and the member sends it again).
   */
  CompletableFuture<Void> submitForwarded(ByteString batch) {
    Forwarded f = new Forwarded(batch, new CompletableFuture<>());
    forwarded.add(f);
    drain();
    return f.done;
  }

  private boolean hasWork() {
    return !queue.isEmpty() || !forwarded.isEmpty();
  }

  private void drain() {
    while (hasWork() && inFlight.get() < maxInFlight) {
      if (!draining.compareAndSet(false, true)) {
        return; // the draining thread will see our request
      }
      try {
        while (hasWork() && inFlight.get() < maxInFlight) {
          proposeOne(takeBatch());
        }
      } finally {
        draining.set(false);
      }
    }
  }

  /** The next entry: queued requests, then queued forwarded batches, within the count and byte bounds. */
  private Entry takeBatch() {
    InternalBatch.Builder b = InternalBatch.newBuilder().setProposer(proposerId).setSeq(nextSeq++);
    int bytes = 0;
    int count = 0;
    InternalRequest r;
    while (count < MAX_BATCH_COUNT && (r = queue.peek()) != null) {
      int size = r.getSerializedSize();
      if (count > 0 && bytes + size > MAX_BATCH_BYTES) {
        break;
      }
      queue.poll();
      b.addRequests(r);
      bytes += size;
      count++;
    }
    List<Forwarded> carried = new ArrayList<>();
    Forwarded f;
    while (count < MAX_BATCH_COUNT && (f = forwarded.peek()) != null) {
      int size = f.batch.size();
      if (count > 0 && bytes + size > MAX_BATCH_BYTES) {
        break;
      }
      forwarded.poll();
      b.addForwarded(f.batch);
      carried.add(f);
      bytes += size;
      count++;
    }
    return new Entry(b.build(), carried);
  }

  /** A batch forwarded by another member (serialized), and who waits for it. */
  private record Forwarded(ByteString batch, CompletableFuture<Void> done) {}

  /** An entry to propose, and the forwarded batches it carries. */
  private record Entry(InternalBatch batch, List<Forwarded> carried) {}

  private void proposeOne(Entry entry) {
    InternalBatch batch = entry.batch();
    inFlight.incrementAndGet();
    proposedAt = System.nanoTime();
    CompletableFuture<Void> done;
    try {
      done = propose.apply(batch);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete((v, err) -> {
      for (Forwarded f : entry.carried()) {
        if (err != null) {
          f.done.completeExceptionally(err);
        } else {
          f.done.complete(null);
        }
      }
      if (err != null) {
        for (InternalRequest r : batch.getRequestsList()) {
          waiters.fail(r.getId(), err);
        }
      } else if (batch.getRequestsCount() > 0 && waiters.isWaiting(batch.getRequests(0).getId())) {
        // normally this member has applied the entry by now or does so soon; one that falls behind
        // (cut off right after the leader applied) must not keep its clients waiting forever
        stallCheck.schedule(() -> {
          for (InternalRequest r : batch.getRequestsList()) {
            waiters.fail(r.getId(), new io.ketch.server.apply.EtcdException(io.ketch.api.EtcdError.TIMEOUT));
          }
        }, applyTimeoutMillis, TimeUnit.MILLISECONDS);
      }
      nudged = false;
      inFlight.decrementAndGet();
      drain();
    });
  }

  @Override
  public void close() {
    stallCheck.shutdownNow();
  }
}
