package io.ketch.server.metrics;

import io.ketch.server.Version;
import io.ketch.server.mvcc.MvccCounters;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A member's {@code /metrics}: etcd's families with etcd's names, types, labels and help texts
 * where Ketch has the same quantity (server and leader state, proposals, database size, mvcc
 * operations, keys, revisions, watchers; go-grpc-prometheus's {@code grpc_server_*}), then
 * {@code process_*} and {@code jvm_*} from Prometheus's Java client. Values are read when scraped;
 * the counters behind them are a few {@code LongAdder}s on the request paths. Each member has its
 * own registry: several members in one JVM do not share metrics.
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

  private final Member member;
  private final GrpcServerMetrics grpc;
  private final PrometheusRegistry jvm = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  public EtcdMetrics(Member member, GrpcServerMetrics grpc) {
    this.member = member;
    this.grpc = grpc;
    JvmMetrics.builder().register(jvm);
  }

  /** The exposition text. */
  public String scrape() {
    MetricsText t = new MetricsText();
    String cluster = Version.ETCD_API.substring(0, Version.ETCD_API.lastIndexOf('.'));
    t.family("etcd_cluster_version", "gauge",
        "Which version is running. 1 for 'cluster_version' label with current cluster version")
        .sample("etcd_cluster_version", 1, "cluster_version", cluster);
    MvccCounters mvcc = member.mvcc();
    gauge(t, "etcd_debugging_mvcc_compact_revision", "The revision of the last compaction in store.",
        member.compactRevision());
    gauge(t, "etcd_debugging_mvcc_current_revision", "The current revision of store.", member.currentRevision());
    gauge(t, "etcd_debugging_mvcc_db_total_size_in_bytes",
        "Total size of the underlying database physically allocated in bytes.", member.dbSizeBytes());
    counter(t, "etcd_debugging_mvcc_delete_total", "Total number of deletes seen by this member.", mvcc.deletes());
    gauge(t, "etcd_debugging_mvcc_keys_total", "Total number of keys.", member.keys());
    counter(t, "etcd_debugging_mvcc_put_total", "Total number of puts seen by this member.", mvcc.puts());
    counter(t, "etcd_debugging_mvcc_range_total", "Total number of ranges seen by this member.", mvcc.ranges());
    gauge(t, "etcd_debugging_mvcc_slow_watcher_total", "Total number of unsynced slow watchers.",
        member.slowWatchers());
    counter(t, "etcd_debugging_mvcc_txn_total", "Total number of txns seen by this member.", mvcc.txns());
    gauge(t, "etcd_debugging_mvcc_watch_stream_total", "Total number of watch streams.", member.watchStreams());
    gauge(t, "etcd_debugging_mvcc_watcher_total", "Total number of watchers.", member.watchers());
    gauge(t, "etcd_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.",
        member.dbSizeBytes());
    gauge(t, "etcd_mvcc_db_total_size_in_use_in_bytes",
        "Total size of the underlying database logically in use in bytes.", member.dbSizeInUseBytes());
    // etcd 3.5 names of the mvcc counters (3.4 has them under etcd_debugging_mvcc_ above)
    counter(t, "etcd_mvcc_delete_total", "Total number of deletes seen by this member.", mvcc.deletes());
    counter(t, "etcd_mvcc_put_total", "Total number of puts seen by this member.", mvcc.puts());
    counter(t, "etcd_mvcc_range_total", "Total number of ranges seen by this member.", mvcc.ranges());
    counter(t, "etcd_mvcc_txn_total", "Total number of txns seen by this member.", mvcc.txns());
    gauge(t, "etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
        member.hasLeader() ? 1 : 0);
    gauge(t, "etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
        member.isLeader() ? 1 : 0);
    counter(t, "etcd_server_leader_changes_seen_total", "The number of leader changes seen.", member.leaderChanges());
    gauge(t, "etcd_server_proposals_applied_total", "The total number of consensus proposals applied.",
        member.appliedIndex());
    gauge(t, "etcd_server_proposals_committed_total", "The total number of consensus proposals committed.",
        member.committedIndex());
    counter(t, "etcd_server_proposals_failed_total", "The total number of failed proposals seen.",
        member.failedProposals());
    gauge(t, "etcd_server_proposals_pending", "The current number of pending proposals to commit.",
        member.pendingProposals());
    t.family("etcd_server_version", "gauge", "Which version is running. 1 for 'server_version' label with current version.")
        .sample("etcd_server_version", 1, "server_version", Version.ETCD_API);
    grpc.write(t);
    ByteArrayOutputStream jvmText = new ByteArrayOutputStream(32 * 1024);
    try {
      writer.write(jvmText, jvm.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    t.raw(jvmText.toString(StandardCharsets.UTF_8));
    return t.toString();
  }

  private static void gauge(MetricsText t, String name, String help, double value) {
    t.family(name, "gauge", help).sample(name, value);
  }

  private static void counter(MetricsText t, String name, String help, double value) {
    t.family(name, "counter", help).sample(name, value);
  }
}
