package io.ketch.server.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * This member's applied log index, and the reads waiting for it to reach theirs (a follower's
 * linearizable read waits until it has applied the leader's read index).
 *
 * <p>Concurrency: the apply thread advances it; any thread waits. {@code waiting} is guarded by this
 * object's monitor; futures are completed outside it, on the apply thread.
 */
final class AppliedIndex {
  private volatile long applied;
  // @GuardedBy("this")
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();

  AppliedIndex(long applied) {
    this.applied = applied;
  }

  long get() {
    return applied;
  }

  /** Completes once the applied index is at least {@code index}. */
  CompletableFuture<Void> await(long index) {
    if (index <= applied) {
      return CompletableFuture.completedFuture(null);
    }
    synchronized (this) {
      if (index <= applied) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> f = new CompletableFuture<>();
      waiting.computeIfAbsent(index, i -> new ArrayList<>()).add(f);
      return f;
    }
  }

  /** The apply thread has applied up to {@code index}. */
  void advance(long index) {
    if (index <= applied) {
      return;
    }
    List<CompletableFuture<Void>> ready = null;
    synchronized (this) {
      applied = index;
      Map<Long, List<CompletableFuture<Void>>> head = waiting.headMap(index, true);
      if (!head.isEmpty()) {
        ready = new ArrayList<>();
        for (List<CompletableFuture<Void>> l : head.values()) {
          ready.addAll(l);
        }
        head.clear();
      }
    }
    if (ready != null) {
      for (CompletableFuture<Void> f : ready) {
        f.complete(null);
      }
    }
  }
}
