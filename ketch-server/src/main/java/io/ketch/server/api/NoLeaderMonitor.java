package io.ketch.server.api;

import io.ketch.api.EtcdError;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * etcd's monitorLeader: streams opened with {@code hasleader: true} are ended with "no leader" once
 * this member has known no leader for three election timeouts in a row (reconnecting a stream costs
 * more than refusing new calls, so etcd waits before cutting existing ones).
 */
final class NoLeaderMonitor implements AutoCloseable {
  private static final int MAX_NO_LEADER_CHECKS = 3;

  private final BooleanSupplier hasLeader;
  private final Set<Consumer<io.grpc.Status>> streams = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ketch-no-leader-monitor");
    t.setDaemon(true);
    return t;
  });
  private int noLeaderChecks;

  NoLeaderMonitor(BooleanSupplier hasLeader, Duration electionTimeout) {
    this.hasLeader = hasLeader;
    timer.scheduleWithFixedDelay(this::check, electionTimeout.toMillis(), electionTimeout.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Watches a stream that requires a leader; {@code end} ends it with a status. Returns its deregistration. */
  Runnable register(Consumer<io.grpc.Status> end) {
    streams.add(end);
    return () -> streams.remove(end);
  }

  private void check() {
    noLeaderChecks = hasLeader.getAsBoolean() ? 0 : noLeaderChecks + 1;
    if (noLeaderChecks >= MAX_NO_LEADER_CHECKS) {
      for (Consumer<io.grpc.Status> end : streams) {
        streams.remove(end);
        end.accept(EtcdError.NO_LEADER.status());
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
