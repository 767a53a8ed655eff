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

  private final Supplier<CompletableFuture<Long>> round;
  // @GuardedBy("this")
  private CompletableFuture<Long> next;
  // @GuardedBy("this")
  private boolean inFlight;

  /**
   * @param round one ReadIndex round: completes with the read index once the local state has applied
   *     it
   */
  ReadBarrier(Supplier<CompletableFuture<Long>> round) {
    this.round = round;
  }

  /**
   * Completes, with the read index of the round, when a read issued now may be served from the local
   * store.
   */
  synchronized CompletableFuture<Long> await() {
    if (next == null) {
      next = new CompletableFuture<>();
    }
    CompletableFuture<Long> f = next;
    if (!inFlight) {
      start();
    }
    return f;
  }

  // @GuardedBy("this")
  private void start() {
    CompletableFuture<Long> waiting = next;
    next = null;
    inFlight = true;
    CompletableFuture<Long> r;
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
        waiting.complete(v);
      }
    }, ROUND_ENDS);
  }
}
