package io.ketch.server.raft;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis's metrics, taken by Ketch (registered through {@code META-INF/services} in place of
 * ratis-metrics-default): Ratis times what it does through these registries, and Ketch passes the
 * durations it needs on, exactly, to its own metrics — today the Raft log's flushes (the fsync of
 * its segment file, Ratis's {@code log_worker} {@code flushTime}), which become etcd's
 * {@code etcd_disk_wal_fsync_duration_seconds}. Everything else Ratis records is counted and kept,
 * not reported. The registries are Ratis's JVM-wide ones; listeners are per member (keyed by the
 * member's Raft id), so members in one JVM stay apart.
 */
public final class RatisMetricsBridge extends MetricRegistries {
  private static final String LOG_WORKER = "log_worker";
  private static final String FLUSH_TIME = "flushTime";
  /** Listeners of log flush durations, by the member's Raft id (RaftGroupMemberId's text). */
  private static final Map<String, LongConsumer> FLUSH_LISTENERS = new ConcurrentHashMap<>();
  /** Injected flush delays (fault injection), by the member's Raft id. */
  private static final Map<String, LongSupplier> FLUSH_DELAYS = new ConcurrentHashMap<>();

  private final Map<MetricRegistryInfo, Registry> registries = new ConcurrentHashMap<>();

  /** Ratis's ServiceLoader needs a public no-argument constructor. */
  public RatisMetricsBridge() {}

  /**
   * Delays each of member {@code raftMemberId}'s log flushes by what {@code nanos} says then (a slow
   * disk, for fault injection); returns what stops it.
   */
  public static Runnable delayLogFlushes(String raftMemberId, LongSupplier nanos) {
    FLUSH_DELAYS.put(raftMemberId, nanos);
    return () -> FLUSH_DELAYS.remove(raftMemberId, nanos);
  }

  /**
   * Hands the durations (nanoseconds) of member {@code raftMemberId}'s log flushes to {@code listener};
   * returns what stops it.
   */
  public static Runnable onLogFlush(String raftMemberId, LongConsumer listener) {
    FLUSH_LISTENERS.put(raftMemberId, listener);
    return () -> FLUSH_LISTENERS.remove(raftMemberId, listener);
  }

  @Override
  public void clear() {
    registries.clear();
  }

  @Override
  public RatisMetricRegistry create(MetricRegistryInfo info) {
    Registry r = registries.computeIfAbsent(info, Registry::new);
    r.refs.incrementAndGet();
    return r;
  }

  @Override
  public boolean remove(MetricRegistryInfo info) {
    Registry r = registries.get(info);
    if (r != null && r.refs.decrementAndGet() <= 0) {
      registries.remove(info, r);
      return true;
    }
    return false;
  }

  @Override
  public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
    return Optional.ofNullable(registries.get(info));
  }

  @Override
  public Set<MetricRegistryInfo> getMetricRegistryInfos() {
    return Set.copyOf(registries.keySet());
  }

  @Override
  public Collection<RatisMetricRegistry> getMetricRegistries() {
    return List.copyOf(registries.values());
  }

  @Override
  public void addReporterRegistration(Consumer<RatisMetricRegistry> reporterRegistration,
      Consumer<RatisMetricRegistry> stopReporter) {
    // Ketch reports through its own /metrics
  }

  @Override
  public void enableJmxReporter() {
    // not offered
  }

  @Override
  public void enableConsoleReporter(TimeDuration consoleReportRate) {
    // not offered
  }

  /** One Ratis registry: timers that pass durations on where Ketch listens, counters, gauges. */
  private static final class Registry implements RatisMetricRegistry {
    private final MetricRegistryInfo info;
    private final AtomicInteger refs = new AtomicInteger();
    private final Map<String, Timekeeper> timers = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Supplier<?>> gauges = new ConcurrentHashMap<>();

    Registry(MetricRegistryInfo info) {
      this.info = info;
    }

    @Override
    public Timekeeper timer(String name) {
      return timers.computeIfAbsent(name, n -> {
        boolean flush = LOG_WORKER.equals(info.getMetricsComponentName()) && FLUSH_TIME.equals(n);
        String member = info.getPrefix();
        return () -> {
          if (flush) {
            // the timer starts on the log worker right before the flush: a wait here is a slower fsync
            LongSupplier delay = FLUSH_DELAYS.get(member);
            long wait = delay == null ? 0 : delay.getAsLong();
            if (wait > 0) {
              java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
          }
          long start = System.nanoTime();
          return () -> {
            long nanos = System.nanoTime() - start;
            if (flush) {
              LongConsumer l = FLUSH_LISTENERS.get(member);
              if (l != null) {
                l.accept(nanos);
              }
            }
            return nanos;
          };
        };
      });
    }

    @Override
    public LongCounter counter(String name) {
      return counters.computeIfAbsent(name, n -> new Counter());
    }

    @Override
    public boolean remove(String name) {
      return timers.remove(name) != null | counters.remove(name) != null | gauges.remove(name) != null;
    }

    @Override
    public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
      gauges.put(name, gaugeSupplier.get());
    }

    @Override
    public MetricRegistryInfo getMetricRegistryInfo() {
      return info;
    }
  }

  private static final class Counter implements LongCounter {
    private final LongAdder n = new LongAdder();

    @Override
    public void inc(long by) {
      n.add(by);
    }

    @Override
    public void dec(long by) {
      n.add(-by);
    }

    @Override
    public long getCount() {
      return n.sum();
    }
  }
}
