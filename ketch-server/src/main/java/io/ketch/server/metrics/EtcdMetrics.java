package io.ketch.server.metrics;

import io.ketch.server.Version;
import io.ketch.server.mvcc.MvccCounters;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.DoubleSupplier;
import java.util.function.LongConsumer;

/**
 * A member's {@code /metrics}: etcd's families with etcd's names, types, labels and help texts
 * where Ketch has the same quantity (server and leader state, proposals, database size, mvcc
 * operations, keys, revisions, watchers; go-grpc-prometheus's {@code grpc_server_*}), and
 * {@code process_*} / {@code jvm_*}, all on Prometheus's Java client. etcd's families are callback
 * metrics: values are read when scraped from what the member keeps anyway (a few {@code LongAdder}s
 * on the request paths). Each member has its own registry: several members in one JVM share nothing.
 */
public final class EtcdMetrics {
  /** What the families are read from. */
  public interface Member {
    boolean hasLeader();

    boolean isLeader();

    long leaderChanges();

    long committedIndex();

    long appliedIndex();

    int pendingProposals();

    long failedProposals();

    long dbSizeBytes();

    long dbSizeInUseBytes();

    long currentRevision();

    long compactRevision();

    long keys();

    MvccCounters mvcc();

    int watchers();

    int watchStreams();

    int slowWatchers();
  }

  /** Prometheus's text format content type. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Histogram backendCommits;
  private final Histogram walFsyncs;

  public EtcdMetrics(Member m, GrpcServerMetrics grpc) {
    String cluster = Version.ETCD_API.substring(0, Version.ETCD_API.lastIndexOf('.'));
    GaugeWithCallback.builder().name("etcd_cluster_version")
        .help("Which version is running. 1 for 'cluster_version' label with current cluster version")
        .labelNames("cluster_version").callback(cb -> cb.call(1, cluster)).register(registry);
    GaugeWithCallback.builder().name("etcd_server_version")
        .help("Which version is running. 1 for 'server_version' label with current version.")
        .labelNames("server_version").callback(cb -> cb.call(1, Version.ETCD_API)).register(registry);
    gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
        () -> m.hasLeader() ? 1 : 0);
    gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
        () -> m.isLeader() ? 1 : 0);
    counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.", m::leaderChanges);
    gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.", m::appliedIndex);
    gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.",
        m::committedIndex);
    counter("etcd_server_proposals_failed_total", "The total number of failed proposals seen.", m::failedProposals);
    gauge("etcd_server_proposals_pending", "The current number of pending proposals to commit.", m::pendingProposals);
    String allocated = "Total size of the underlying database physically allocated in bytes.";
    gauge("etcd_mvcc_db_total_size_in_bytes", allocated, m::dbSizeBytes);
    gauge("etcd_debugging_mvcc_db_total_size_in_bytes", allocated, m::dbSizeBytes);
    gauge("etcd_mvcc_db_total_size_in_use_in_bytes", "Total size of the underlying database logically in use in bytes.",
        m::dbSizeInUseBytes);
    // the mvcc counters under etcd 3.4's names and etcd 3.5's
    for (String prefix : new String[] {"etcd_debugging_mvcc_", "etcd_mvcc_"}) {
      counter(prefix + "put_total", "Total number of puts seen by this member.", () -> m.mvcc().puts());
      counter(prefix + "delete_total", "Total number of deletes seen by this member.", () -> m.mvcc().deletes());
      counter(prefix + "range_total", "Total number of ranges seen by this member.", () -> m.mvcc().ranges());
      counter(prefix + "txn_total", "Total number of txns seen by this member.", () -> m.mvcc().txns());
    }
    gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.", m::keys);
    gauge("etcd_debugging_mvcc_current_revision", "The current revision of store.", m::currentRevision);
    gauge("etcd_debugging_mvcc_compact_revision", "The revision of the last compaction in store.", m::compactRevision);
    gauge("etcd_debugging_mvcc_watcher_total", "Total number of watchers.", m::watchers);
    gauge("etcd_debugging_mvcc_watch_stream_total", "Total number of watch streams.", m::watchStreams);
    gauge("etcd_debugging_mvcc_slow_watcher_total", "Total number of unsynced slow watchers.", m::slowWatchers);
    grpc.register(registry);
    backendCommits = Histogram.builder().name("etcd_disk_backend_commit_duration_seconds")
        .help("The latency distributions of commit called by backend.").classicOnly()
        .classicExponentialUpperBounds(0.001, 2, 14).register(registry);
    walFsyncs = Histogram.builder().name("etcd_disk_wal_fsync_duration_seconds")
        .help("The latency distributions of fsync called by WAL.").classicOnly()
        .classicExponentialUpperBounds(0.001, 2, 14).register(registry);
    JvmMetrics.builder().register(registry);
  }

  /** etcd's peer network metrics of member {@code localId}, registered with the others. */
  public PeerMetrics peers(long localId) {
    return new PeerMetrics(localId, registry);
  }

  /** Where the Raft log's flushes (its fsyncs, etcd's WAL) report their durations (nanoseconds). */
  public LongConsumer walFsyncs() {
    return nanos -> walFsyncs.observe(nanos / 1e9);
  }

  /** Where the backend reports each commit's duration (nanoseconds). */
  public LongConsumer backendCommits() {
    return nanos -> backendCommits.observe(nanos / 1e9);
  }

  private void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
  }

  private void counter(String name, String help, DoubleSupplier value) {
    CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
  }

  /** The exposition text. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
