package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.PutResponse;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Any member serves any request (issue: cluster, item 2): writes sent to followers are forwarded and
 * answered once applied there, so the writer reads its own write from the same member; leader
 * changes cost latency, not errors; "no leader" only on a side without one.
 */
class ClusterServingTest {
  private static KetchCluster cluster;

  @BeforeAll
  static void start() {
    cluster = KetchCluster.start(3, 3, "--election-timeout", "500", "--heartbeat-interval", "50");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void everyMemberTakesWritesAndReadsItsOwnWriteAtOnce() {
    cluster.awaitConverged(30_000);
    for (MemberProcess m : cluster.members()) {
      ManagedChannel ch = m.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
          PutResponse put = kv.put(PutRequest.newBuilder().setKey(bs("own/" + m.name())).setValue(bs("v" + i)).build());
          // the member answered once it applied the write: even a serializable read there sees it
          RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(bs("own/" + m.name())).setSerializable(true).build());
          assertEquals("v" + i, r.getKvs(0).getValue().toStringUtf8());
          assertTrue(r.getHeader().getRevision() >= put.getHeader().getRevision());
        }
      } finally {
        ch.shutdownNow();
      }
    }
    for (MemberProcess m : cluster.members()) {
      ManagedChannel ch = m.channel();
      try {
        RangeResponse r = KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(bs("own/")).setRangeEnd(bs("own0")).build());
        assertEquals(3, r.getCount(), "a linearizable read on " + m.name() + " sees every member's last write");
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /**
   * A leader crash is invisible to a client of a follower except as latency: every write is
   * answered (the follower sends it again to the new leader), and a watch on that follower sees
   * every write once, in order.
   */
  @Test
  void aLeaderCrashCostsLatencyNotErrors() throws Exception {
    cluster.awaitConverged(30_000);
    int leader = cluster.awaitLeader(30_000);
    int follower = leader == 1 ? 2 : 1;
    ManagedChannel ch = cluster.member(follower).channel();
    try (io.ketch.client.Client watcher = io.ketch.client.Client.builder()
        .endpoints(cluster.member(follower).address()).build()) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
      long first = kv.withDeadlineAfter(10, TimeUnit.SECONDS)
          .put(PutRequest.newBuilder().setKey(bs("crash/start")).setValue(bs("0")).build()).getHeader().getRevision();
      EventLog events = EventLog.watch(watcher, "crash/", first + 1);
      java.util.List<String> written = new java.util.ArrayList<>();
      long slowest = 0;
      for (int i = 0; i < 200; i++) {
        if (i == 50) {
          cluster.member(leader).kill();
        }
        long t0 = System.nanoTime();
        long rev = kv.withDeadlineAfter(20, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(bs("crash/" + (i % 7))).setValue(bs("v" + i)).build())
            .getHeader().getRevision();
        slowest = Math.max(slowest, System.nanoTime() - t0);
        written.add(rev + " crash/" + (i % 7) + " PUT v" + i);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (events.events().size() < written.size() && System.nanoTime() < deadline) {
        KetchCluster.sleep(20);
      }
      assertEquals(java.util.List.of(), events.problems());
      assertEquals(written, events.events(), "the follower's watch saw every write once, in order");
      assertTrue(slowest < TimeUnit.SECONDS.toNanos(10), "slowest write " + slowest / 1_000_000 + " ms");
    } finally {
      ch.shutdownNow();
      cluster.member(leader).start();
      cluster.member(leader).awaitServing(60_000);
      cluster.awaitConverged(60_000);
    }
  }

  @Test
  void aMinorityAnswersNoLeaderAndRequireLeaderFailsAtOnce() {
    int leader = cluster.awaitLeader(30_000);
    int isolated = leader == 1 ? 2 : 1;
    List<Integer> rest = new java.util.ArrayList<>(List.of(1, 2, 3));
    rest.remove(Integer.valueOf(isolated));
    cluster.network().partition(true, List.of(Set.of(isolated), Set.copyOf(rest)));
    ManagedChannel ch = cluster.member(isolated).channel();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (cluster.status(isolated) == null || cluster.status(isolated).getLeader() != 0) {
        assertTrue(System.nanoTime() < deadline, "the isolated member still sees a leader");
        KetchCluster.sleep(50);
      }
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
      KVGrpc.KVBlockingStub requiring = KVGrpc.newBlockingStub(ch)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)).withDeadlineAfter(5, TimeUnit.SECONDS);
      long t0 = System.nanoTime();
      StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
          () -> requiring.put(PutRequest.newBuilder().setKey(bs("minority")).setValue(bs("x")).build()));
      assertEquals("etcdserver: no leader", e.getStatus().getDescription());
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "requireLeader must fail fast");
      // a serializable read is served from the member's own state
      KVGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
          .range(RangeRequest.newBuilder().setKey(bs("own/m1")).setSerializable(true).build());
      // a plain write waits for a leader until the request timeout, then: no leader
      StatusRuntimeException w = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
          () -> KVGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
              .put(PutRequest.newBuilder().setKey(bs("minority")).setValue(bs("x")).build()));
      assertEquals("etcdserver: no leader", w.getStatus().getDescription());
    } finally {
      ch.shutdownNow();
      cluster.network().heal();
    }
    cluster.awaitConverged(30_000);
  }
}
