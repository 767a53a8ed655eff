package io.ketch.server.raft;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Batched ReadIndex (DESIGN §10): every linearizable read waiting at the same moment shares one
 * ReadIndex round. A read that arrives while a round is in flight waits for the next round, which
 * starts when the current one ends, so each read is ordered after every write acknowledged before
 * it arrived.
 */
final class ReadBarrier {
  /**
   * Where a finished round's readers are released and the next round starts. Never on the thread
   * that completed the round: Ratis completes ReadIndex futures while holding its read-queue lock,
   * and starting the next round there waits for that same lock (a deadlock seen under load).
   */
  private static final java.util.concurrent.Executor ROUND_ENDS =
      java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ketch-read-index");
        t.setDaemon(true);
        return t;
      });

  private final Supplier<CompletableFuture<Void>> round;
  // @GuardedBy("this")
  private CompletableFuture<Void> next;
  // @GuardedBy("this")
  private boolean inFlight;

  /** @param round one ReadIndex round: completes once the local state has applied the read index */
  ReadBarrier(Supplier<CompletableFuture<Void>> round) {
    this.round = round;
  }

  /** Completes when a read issued now may be served from the local store. */
  synchronized CompletableFuture<Void> await() {
    if (next == null) {
      next = new CompletableFuture<>();
    }
    CompletableFuture<Void> f = next;
    if (!inFlight) {
      start();
    }
    return f;
  }

  // @GuardedBy("this")
  private void start() {
    CompletableFuture<Void> waiting = next;
    next = null;
    inFlight = true;
    CompletableFuture<Void> r;
    try {
      r = round.get();
    } catch (RuntimeException e) {
      r = CompletableFuture.failedFuture(e);
    }
    r.whenCompleteAsync((v, err) -> {
      synchronized (this) {
        inFlight = false;
        if (next != null) {
          start();
        }
      }
      if (err != null) {
        waiting.completeExceptionally(err);
      } else {
        waiting.complete(null);
      }
    }, ROUND_ENDS);
  }
}
