package io.ketch.server.metrics;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Probes every other member once a second over the peer service, as etcd's rafthttp prober probes
 * its peers, and reports each answer's round trip (or the failure) to {@link PeerMetrics}.
 */
public final class PeerProber implements AutoCloseable {
  private static final long PERIOD_MILLIS = 1000;
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** One round trip to a member. */
  public interface Probe {
    CompletableFuture<Void> probe(long id, Duration timeout);
  }

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ketch-peer-prober");
    t.setDaemon(true);
    return t;
  });
  private final Set<Long> known = new HashSet<>();

  /** Probes the members {@code members} names, other than {@code self}, with {@code probe}. */
  public PeerProber(LongSupplier self, Supplier<List<Long>> members, Probe probe, PeerMetrics metrics) {
    timer.scheduleWithFixedDelay(() -> {
      long me = self.getAsLong();
      Set<Long> now = new HashSet<>();
      for (long id : members.get()) {
        if (id == me) {
          continue;
        }
        now.add(id);
        long start = System.nanoTime();
        probe.probe(id, TIMEOUT).whenComplete((v, err) -> {
          if (err == null) {
            metrics.answered(id, System.nanoTime() - start);
          } else {
            metrics.failed(id);
          }
        });
      }
      for (long gone : known) {
        if (!now.contains(gone)) {
          metrics.forget(gone);
        }
      }
      known.clear();
      known.addAll(now);
    }, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
