package io.ketch.cli.bench;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.StatusRequest;
import io.ketch.api.etcdserverpb.StatusResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Watches the surviving members of a failover for a new leader: from its start, polls each one's
 * Maintenance Status every {@link #POLL_MILLIS} ms on its own thread and records when a member first
 * names a leader other than the one killed. Tells the election apart from the rest of the write
 * path in a failover's time.
 */
final class LeaderProbe implements AutoCloseable {
  private static final long POLL_MILLIS = 20;

  private final List<ManagedChannel> survivors;
  private final long killedId;
  private final Thread thread;
  /** nanoTime when a new leader was first seen; 0 until then. Written by the probe's thread only. */
  private volatile long seenAt;

  /** Starts polling {@code survivors} for a leader other than {@code killedId}. */
  LeaderProbe(List<ManagedChannel> survivors, long killedId) {
    this.survivors = survivors;
    this.killedId = killedId;
    this.thread = new Thread(this::poll, "leader-probe");
    thread.setDaemon(true);
    thread.start();
  }

  /** When a survivor first named a new leader (System.nanoTime), or 0 if none has yet. */
  long seenAt() {
    return seenAt;
  }

  private void poll() {
    while (!Thread.currentThread().isInterrupted()) {
      for (ManagedChannel ch : survivors) {
        Optional<StatusResponse> s = status(ch);
        if (s.isPresent() && s.get().getLeader() != 0 && s.get().getLeader() != killedId) {
          seenAt = System.nanoTime();
          return;
        }
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Stops polling (and waits for the probe's thread to end). */
  @Override
  public void close() throws InterruptedException {
    thread.interrupt();
    thread.join();
  }

  /** The member's Status, or empty when it does not answer within a second. */
  static Optional<StatusResponse> status(ManagedChannel ch) {
    try {
      return Optional.of(MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(1, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }
}
