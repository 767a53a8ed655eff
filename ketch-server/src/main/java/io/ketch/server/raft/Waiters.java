package io.ketch.server.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The RPCs waiting for their request to be applied, by request id (etcd's wait.Wait). Ids are unique
 * within a process; a batch names its proposing process, so replayed or foreign entries never
 * complete a waiter.
 */
final class Waiters {
  private final ConcurrentHashMap<Long, CompletableFuture<Object>> waiting = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(1);
  private final java.util.concurrent.atomic.LongAdder failed = new java.util.concurrent.atomic.LongAdder();

  /** Registers a new waiter; returns its id. */
  long register(CompletableFuture<Object> future) {
    long id = nextId.getAndIncrement();
    waiting.put(id, future);
    return id;
  }

  /** Completes the waiter of {@code id} with an apply result (a response, or the exception it raised). */
  void complete(long id, Object result) {
    CompletableFuture<Object> f = waiting.remove(id);
    if (f == null) {
      return;
    }
    if (result instanceof Throwable t) {
      f.completeExceptionally(t);
    } else {
      f.complete(result);
    }
  }

  /** Whether {@code id} still waits for its result. */
  boolean isWaiting(long id) {
    return waiting.containsKey(id);
  }

  /** Fails the waiter of {@code id}, if it still waits. */
  void fail(long id, Throwable t) {
    CompletableFuture<Object> f = waiting.remove(id);
    if (f != null) {
      failed.increment();
      f.completeExceptionally(t);
    }
  }

  /** Proposals of this member waiting for their result (etcd_server_proposals_pending). */
  int pending() {
    return waiting.size();
  }

  /** Proposals of this member that failed before they were applied (etcd_server_proposals_failed_total). */
  long failed() {
    return failed.sum();
  }
}
