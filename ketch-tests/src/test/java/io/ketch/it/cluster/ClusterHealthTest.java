package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmType;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * {@code /health} on a 3-member cluster (issue: HTTP, health): true while the cluster serves; false
 * with {@code ALARM NOSPACE} on every member once a NOSPACE alarm is raised (true again with
 * {@code ?exclude=NOSPACE}, and after the alarm is disarmed); false when the member left alone has
 * lost its quorum (no leader, or no linearizable read), while {@code ?serializable=true} still
 * answers true; and true again once a second member is back. Along the way, etcd's peer metrics of
 * member 1: each other member active with round trips measured, then inactive and counted as
 * disconnected once killed.
 */
class ClusterHealthTest {
  private static final String HEALTHY = "200 {\"health\":\"true\",\"reason\":\"\"}";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void healthFollowsAlarmsAndQuorum() throws Exception {
    try (KetchCluster cluster = KetchCluster.start(3, 3, "--election-timeout", "500", "--heartbeat-interval", "50")) {
      cluster.awaitConverged(60_000);
      for (int i = 1; i <= 3; i++) {
        assertEquals(HEALTHY, health(cluster.member(i), ""));
      }
      String local = Long.toHexString(cluster.memberId(1));
      String[] remotes = {null, null, Long.toHexString(cluster.memberId(2)), Long.toHexString(cluster.memberId(3))};
      for (int i = 2; i <= 3; i++) {
        String remote = remotes[i];
        awaitMetric(cluster.member(1), "etcd_network_active_peers{Local=\"" + local + "\",Remote=\"" + remote + "\"}",
            v -> v == 1);
        awaitMetric(cluster.member(1), "etcd_network_peer_round_trip_time_seconds_count{To=\"" + remote + "\"}",
            v -> v >= 1);
      }

      ManagedChannel ch = cluster.member(2).channel();
      try {
        MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).alarm(AlarmRequest.newBuilder()
            .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(cluster.memberId(2))
            .setAlarm(AlarmType.NOSPACE).build());
        String noSpace = "503 {\"health\":\"false\",\"reason\":\"ALARM NOSPACE\"}\n";
        for (int i = 1; i <= 3; i++) {
          assertEquals(noSpace, await(cluster.member(i), "", noSpace::equals));
          assertEquals(HEALTHY, health(cluster.member(i), "?exclude=NOSPACE"));
        }
        MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).alarm(AlarmRequest.newBuilder()
            .setAction(AlarmRequest.AlarmAction.DEACTIVATE).setMemberID(cluster.memberId(2))
            .setAlarm(AlarmType.NOSPACE).build());
      } finally {
        ch.shutdownNow();
      }
      assertEquals(HEALTHY, await(cluster.member(1), "", HEALTHY::equals));

      cluster.member(2).kill();
      cluster.member(3).kill();
      String alone = await(cluster.member(1), "", h -> !h.equals(HEALTHY));
      for (int i = 2; i <= 3; i++) {
        String remote = remotes[i];
        awaitMetric(cluster.member(1), "etcd_network_active_peers{Local=\"" + local + "\",Remote=\"" + remote + "\"}",
            v -> v == 0);
        awaitMetric(cluster.member(1),
            "etcd_network_disconnected_peers_total{Local=\"" + local + "\",Remote=\"" + remote + "\"}", v -> v >= 1);
        awaitMetric(cluster.member(1), "etcd_network_peer_sent_failures_total{To=\"" + remote + "\"}", v -> v >= 1);
      }
      assertTrue(alone.equals("503 {\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n")
          || alone.startsWith("503 {\"health\":\"false\",\"reason\":\"RANGE ERROR:"), alone);
      assertEquals(HEALTHY, health(cluster.member(1), "?serializable=true"), "the local read still works");

      MemberProcess back = cluster.restarted(2);
      back.start();
      back.awaitServing(60_000);
      assertEquals(HEALTHY, await(cluster.member(1), "", HEALTHY::equals));
    }
  }

  /** "status body" of GET /health{query}. */
  private String health(MemberProcess m, String query) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + m.address() + "/health" + query))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  /** Scrapes /metrics until the sample named {@code series} (name and labels) has a value {@code done} accepts. */
  private void awaitMetric(MemberProcess m, String series, java.util.function.DoublePredicate done) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + m.address() + "/metrics"))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      last = null;
      for (String line : r.body().split("\n")) {
        if (line.startsWith(series + " ")) {
          last = line;
          if (done.test(Double.parseDouble(line.substring(series.length() + 1).trim()))) {
            return;
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("m" + m.index() + "'s " + series + " stayed " + last);
  }

  /** Asks until the answer is what {@code done} accepts (60 s at most); returns it. */
  private String await(MemberProcess m, String query, Predicate<String> done) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String last = "";
    while (System.nanoTime() < deadline) {
      last = health(m, query);
      if (done.test(last)) {
        return last;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("m" + m.index() + "'s /health" + query + " stayed " + last);
  }
}
