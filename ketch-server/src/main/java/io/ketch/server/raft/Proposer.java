package io.ketch.server.raft;

import io.ketch.server.raft.proto.InternalBatch;
import io.ketch.server.raft.proto.InternalRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Proposal batching (DESIGN §10): requests that arrive while proposals are in flight are combined
 * into one Raft entry, bounded by count and bytes. One fsync and one Raft round then carry many
 * client writes; each request still gets its own revision and response.
 *
 * <p>Concurrency: any thread may {@link #submit}; at most one thread drains the queue at a time
 * ({@code draining}), and at most {@code maxInFlight} entries are proposed and not yet answered.
 */
final class Proposer {
  private static final int MAX_BATCH_COUNT = 4096;
  private static final int MAX_BATCH_BYTES = 1 << 20;

  private final long proposerId;
  private final int maxInFlight;
  private final Function<InternalBatch, CompletableFuture<Void>> propose;
  private final Waiters waiters;
  private final ConcurrentLinkedQueue<InternalRequest> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * @param propose replicates one entry; completes when it is committed and applied, or fails
   */
  Proposer(long proposerId, int maxInFlight, Function<InternalBatch, CompletableFuture<Void>> propose,
      Waiters waiters) {
    this.proposerId = proposerId;
    this.maxInFlight = maxInFlight;
    this.propose = propose;
    this.waiters = waiters;
  }

  /** Queues a request (its id already registered with the waiters) for the next entry. */
  void submit(InternalRequest request) {
    queue.add(request);
    drain();
  }

  private void drain() {
    while (!queue.isEmpty() && inFlight.get() < maxInFlight) {
      if (!draining.compareAndSet(false, true)) {
        return; // the draining thread will see our request
      }
      try {
        while (!queue.isEmpty() && inFlight.get() < maxInFlight) {
          proposeOne(takeBatch());
        }
      } finally {
        draining.set(false);
      }
    }
  }

  private InternalBatch takeBatch() {
    InternalBatch.Builder b = InternalBatch.newBuilder().setProposer(proposerId);
    int bytes = 0;
    InternalRequest r;
    while (b.getRequestsCount() < MAX_BATCH_COUNT && (r = queue.peek()) != null) {
      int size = r.getSerializedSize();
      if (b.getRequestsCount() > 0 && bytes + size > MAX_BATCH_BYTES) {
        break;
      }
      queue.poll();
      b.addRequests(r);
      bytes += size;
    }
    return b.build();
  }

  private void proposeOne(InternalBatch batch) {
    inFlight.incrementAndGet();
    CompletableFuture<Void> done;
    try {
      done = propose.apply(batch);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete((v, err) -> {
      if (err != null) {
        for (InternalRequest r : batch.getRequestsList()) {
          waiters.fail(r.getId(), err);
        }
      }
      inFlight.decrementAndGet();
      drain();
    });
  }
}
