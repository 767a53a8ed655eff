package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} against etcd's own: both expositions are parsed as Prometheus text; every family
 * Ketch shares with etcd exists on both with the same type and the same label names, and the
 * counters move by what the test does (puts, ranges, a delete, a txn, their gRPC calls).
 */
class MetricsTest {
  /** The etcd families Ketch exposes. */
  private static final List<String> SHARED = List.of("etcd_cluster_version", "etcd_server_version",
      "etcd_server_has_leader", "etcd_server_is_leader", "etcd_server_leader_changes_seen_total",
      "etcd_server_proposals_committed_total", "etcd_server_proposals_applied_total",
      "etcd_server_proposals_pending", "etcd_server_proposals_failed_total", "etcd_mvcc_db_total_size_in_bytes",
      "etcd_mvcc_db_total_size_in_use_in_bytes", "etcd_debugging_mvcc_db_total_size_in_bytes",
      "etcd_debugging_mvcc_put_total", "etcd_debugging_mvcc_delete_total", "etcd_debugging_mvcc_range_total",
      "etcd_debugging_mvcc_txn_total", "etcd_debugging_mvcc_keys_total", "etcd_debugging_mvcc_current_revision",
      "etcd_debugging_mvcc_compact_revision", "etcd_debugging_mvcc_watcher_total",
      "etcd_debugging_mvcc_watch_stream_total", "etcd_debugging_mvcc_slow_watcher_total",
      "grpc_server_started_total", "grpc_server_handled_total", "grpc_server_msg_received_total",
      "grpc_server_msg_sent_total", "etcd_disk_backend_commit_duration_seconds", "etcd_disk_wal_fsync_duration_seconds",
      "process_cpu_seconds_total", "process_open_fds", "process_max_fds",
      "process_resident_memory_bytes", "process_virtual_memory_bytes", "process_start_time_seconds");

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void etcdFamiliesWithEtcdTypesAndLabelsAndCountersThatMove() throws Exception {
    try (EtcdOracle etcd = new EtcdOracle(); KetchNode ketch = new KetchNode()) {
      Exposition reference = scrape(etcd);
      Exposition before = scrape(ketch);
      for (String family : SHARED) {
        assertNotNull(reference.types.get(family), "etcd 3.4 has no " + family + ": fix the list");
        assertEquals(reference.types.get(family), before.types.get(family), family + "'s type");
        assertEquals(reference.labelNames(family), before.labelNames(family), family + "'s labels");
      }
      assertTrue(before.types.keySet().stream().anyMatch(n -> n.startsWith("jvm_")), "jvm_ families");
      assertEquals(1.0, before.value("etcd_server_has_leader"));
      assertEquals(1.0, before.value("etcd_server_version{server_version=\"3.5.0\"}"));

      ManagedChannel ch = ketch.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
          kv.put(PutRequest.newBuilder().setKey(bs("m" + i)).setValue(bs("v")).build());
        }
        kv.range(RangeRequest.newBuilder().setKey(bs("m0")).build());
        kv.range(RangeRequest.newBuilder().setKey(bs("m1")).build());
        kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("m2")).build());
        kv.txn(TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("t")).setValue(bs("1"))))
            .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs("t"))))
            .build());
      } finally {
        ch.shutdownNow();
      }
      Exposition after = scrape(ketch);
      assertEquals(4.0, after.value("etcd_mvcc_put_total") - before.value("etcd_mvcc_put_total"), "3 puts + 1 in a txn");
      assertEquals(1.0, after.value("etcd_mvcc_delete_total") - before.value("etcd_mvcc_delete_total"));
      assertEquals(3.0, after.value("etcd_mvcc_range_total") - before.value("etcd_mvcc_range_total"),
          "2 ranges + 1 in a txn");
      assertEquals(1.0, after.value("etcd_mvcc_txn_total") - before.value("etcd_mvcc_txn_total"));
      assertEquals(after.value("etcd_mvcc_put_total"), after.value("etcd_debugging_mvcc_put_total"));
      assertEquals(3.0, after.value("etcd_debugging_mvcc_keys_total") - before.value("etcd_debugging_mvcc_keys_total"),
          "m0, m1 and t exist; m2 was deleted");
      String put = "{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}";
      assertEquals(3.0, after.value("grpc_server_started_total" + put) - before.value("grpc_server_started_total" + put));
      String putOk = "{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}";
      assertEquals(3.0, after.value("grpc_server_handled_total" + putOk) - before.value("grpc_server_handled_total" + putOk));
      assertEquals(3.0, after.value("grpc_server_msg_received_total" + put)
          - before.value("grpc_server_msg_received_total" + put));
      assertTrue(after.value("etcd_server_proposals_applied_total") >= before.value("etcd_server_proposals_applied_total") + 5);
      assertEquals(after.value("etcd_debugging_mvcc_current_revision"), 6.0, "5 writes after revision 1");
      assertTrue(after.value("etcd_disk_backend_commit_duration_seconds_count")
          >= before.value("etcd_disk_backend_commit_duration_seconds_count") + 5, "a commit per write at least");
      assertTrue(after.value("etcd_disk_backend_commit_duration_seconds_bucket{le=\"8.192\"}") > 0);
      assertTrue(after.value("etcd_disk_wal_fsync_duration_seconds_count")
          >= before.value("etcd_disk_wal_fsync_duration_seconds_count") + 1, "the Raft log was flushed for the writes");
      assertTrue(after.value("process_cpu_seconds_total") > 0 && after.value("process_resident_memory_bytes") > 0);
    }
  }

  private Exposition scrape(Endpoint e) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + e.address() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return Exposition.parse(r.body());
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** A Prometheus text exposition: each family's type, and each sample's value by its full series name. */
  private static final class Exposition {
    final Map<String, String> types = new HashMap<>();
    final Map<String, Double> samples = new HashMap<>();

    static Exposition parse(String text) {
      Exposition x = new Exposition();
      for (String line : text.split("\n")) {
        if (line.startsWith("# TYPE ")) {
          String[] p = line.split(" ");
          x.types.put(p[2], p[3]);
        } else if (!line.isEmpty() && !line.startsWith("#")) {
          int space = line.lastIndexOf(' ');
          x.samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
      }
      return x;
    }

    double value(String series) {
      Double v = samples.get(series);
      assertNotNull(v, "no sample " + series);
      return v;
    }

    /** The label names a family's samples carry. */
    Set<String> labelNames(String family) {
      Set<String> names = new TreeSet<>();
      for (String series : samples.keySet()) {
        int brace = series.indexOf('{');
        String name = brace < 0 ? series : series.substring(0, brace);
        if (!name.equals(family) || brace < 0) {
          continue;
        }
        for (String pair : series.substring(brace + 1, series.length() - 1).split(",(?=[a-z_]+=\")")) {
          names.add(pair.substring(0, pair.indexOf('=')));
        }
      }
      return names;
    }
  }
}
