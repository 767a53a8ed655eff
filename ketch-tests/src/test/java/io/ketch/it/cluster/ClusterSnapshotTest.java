package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.MemberAddRequest;
import io.ketch.api.etcdserverpb.MemberAddResponse;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.PutResponse;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Raft snapshots and log purge (issue: snapshots, item 1): with a small {@code --snapshot-count} the
 * leader snapshots and purges its log while a member is cut off for 100,000 revisions; healed, that
 * member catches up by installing the leader's snapshot and then the log tail, its open watch sees
 * every revision it missed once, in order, and every member ends with the same HashKV. A member added
 * afterwards starts from the snapshot too, and a restart from a snapshot plus log tail is timed.
 */
class ClusterSnapshotTest {
  private static final String[] FLAGS = {"--election-timeout", "500", "--heartbeat-interval", "50",
      "--snapshot-count", "500", "--experimental-snapshot-catch-up-entries", "100"};
  private static final int PUTS = 100_000;
  private static final int KEYS = 1_000;
  /** Values large enough that the log fills more than one 32 MB segment (Ratis purges whole segments). */
  private static final String PAD = "x".repeat(600);

  @Test
  void aMemberBehindThePurgedLogCatchesUpFromTheLeadersSnapshot() throws Exception {
    try (KetchCluster cluster = KetchCluster.start(3, 4, FLAGS)) {
      cluster.awaitConverged(60_000);
      int leader = cluster.awaitLeader(30_000);
      int behind = leader == 3 ? 2 : 3;
      List<Integer> rest = new ArrayList<>(List.of(1, 2, 3));
      rest.remove(Integer.valueOf(behind));

      ManagedChannel ch = cluster.member(leader).channel();
      try (io.ketch.client.Client watcher = io.ketch.client.Client.builder()
          .endpoints(cluster.member(behind).address()).build()) {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        long first = kv.withDeadlineAfter(10, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(RegisterWorkload.bs("start")).build()).getHeader().getRevision();
        cluster.awaitConverged(30_000);
        EventLog events = EventLog.watch(watcher, "k/", first + 1);

        cluster.network().partition(true, List.of(Set.of(behind), Set.copyOf(rest)));
        leader = cluster.awaitLeader(30_000, rest);
        ch.shutdownNow();
        ch = cluster.member(leader).channel();
        List<String> written = putAll(ch);
        assertTrue(purged(cluster.member(leader).dataDir()), "the leader purged its log:\n" + raftFiles(cluster, leader));

        cluster.network().heal();
        cluster.awaitConverged(180_000);
        assertTrue(logged(cluster.member(behind), "event=snapshot-loaded"),
            "m" + behind + " installed a snapshot:\n" + cluster.logTail(behind, 30));

        assertSameHashKv(cluster, List.of(1, 2, 3));
        ManagedChannel lagging = cluster.member(behind).channel();
        try {
          RangeResponse r = KVGrpc.newBlockingStub(lagging).withDeadlineAfter(10, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(RegisterWorkload.bs("k/")).setRangeEnd(RegisterWorkload.bs("k0"))
                  .setSerializable(true).build());
          assertEquals(KEYS, r.getCount());
        } finally {
          lagging.shutdownNow();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (events.events().size() < written.size() && System.nanoTime() < deadline) {
          KetchCluster.sleep(50);
        }
        assertEquals(List.of(), events.problems());
        assertEquals(written.size(), events.events().size(), "events the watch on m" + behind + " saw");
        assertEquals(written, events.events(), "the watch saw every write once, in order");

        // a member added now has no log at all: it starts from the leader's snapshot too
        MemberAddResponse added = ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
            .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(cluster.peerUrl(4)).build());
        MemberProcess m4 = cluster.joiner(4,
            ClusterMembershipTest.initialCluster(added.getMembersList(), added.getMember().getID(), "m4"));
        m4.start();
        m4.awaitServing(120_000);
        cluster.awaitConverged(120_000);
        assertTrue(logged(m4, "event=snapshot-loaded"), "m4 installed a snapshot:\n" + cluster.logTail(4, 30));
        assertSameHashKv(cluster, List.of(1, 2, 3, 4));

        // a restart replays the log tail on top of the backend (which holds the snapshot's state)
        MemberProcess restarted = cluster.member(behind);
        restarted.terminate();
        long t0 = System.nanoTime();
        restarted.start();
        restarted.awaitServing(60_000);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("cluster-snapshot: restart of m" + behind + " after " + PUTS + " puts took " + millis
            + " ms (process start to serving)");
        cluster.awaitConverged(60_000);
        assertSameHashKv(cluster, List.of(1, 2, 3, 4));
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /** Puts {@value #PUTS} values over {@value #KEYS} keys, 128 at a time; returns them as EventLog shows events. */
  private static List<String> putAll(ManagedChannel ch) throws InterruptedException {
    KVGrpc.KVFutureStub kv = KVGrpc.newFutureStub(ch);
    Semaphore inFlight = new Semaphore(128);
    AtomicLongArray revisions = new AtomicLongArray(PUTS);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < PUTS && failure.get() == null; i++) {
      inFlight.acquire();
      int n = i;
      Futures.addCallback(kv.withDeadlineAfter(60, TimeUnit.SECONDS).put(PutRequest.newBuilder()
          .setKey(RegisterWorkload.bs(key(n))).setValue(RegisterWorkload.bs(value(n))).build()),
          new FutureCallback<PutResponse>() {
            @Override
            public void onSuccess(PutResponse r) {
              revisions.set(n, r.getHeader().getRevision());
              inFlight.release();
            }

            @Override
            public void onFailure(Throwable t) {
              failure.compareAndSet(null, t);
              inFlight.release();
            }
          }, MoreExecutors.directExecutor());
    }
    inFlight.acquire(128);
    if (failure.get() != null) {
      throw new AssertionError("a put failed", failure.get());
    }
    String[] byRevision = new String[PUTS];
    long base = Long.MAX_VALUE;
    for (int i = 0; i < PUTS; i++) {
      base = Math.min(base, revisions.get(i));
    }
    for (int i = 0; i < PUTS; i++) {
      byRevision[(int) (revisions.get(i) - base)] = revisions.get(i) + " " + key(i) + " PUT " + value(i);
    }
    return List.of(byRevision);
  }

  private static String key(int i) {
    return String.format("k/%04d", i % KEYS);
  }

  private static String value(int i) {
    return i + PAD;
  }

  /**
   * Whether the Ratis log of the member in {@code dataDir} no longer starts at index 0: its segment
   * files ({@code log_<first>-<last>}, the open one {@code log_inprogress_<first>}) all start later.
   */
  static boolean purged(Path dataDir) throws IOException {
    Pattern segment = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");
    try (Stream<Path> files = Files.walk(dataDir.resolve("member").resolve("raft"))) {
      List<Long> firsts = files.map(p -> segment.matcher(p.getFileName().toString()))
          .filter(Matcher::matches).map(m -> Long.parseLong(m.group(1))).toList();
      return !firsts.isEmpty() && firsts.stream().allMatch(first -> first > 0);
    }
  }

  private static String raftFiles(KetchCluster cluster, int i) throws IOException {
    try (Stream<Path> files = Files.walk(cluster.member(i).dataDir().resolve("member").resolve("raft"))) {
      return String.join("\n", files.map(Path::toString).toList());
    }
  }

  private static boolean logged(MemberProcess m, String text) throws IOException {
    return Files.readString(m.log()).contains(text);
  }

  private static void assertSameHashKv(KetchCluster cluster, List<Integer> members) {
    HashKVResponse reference = null;
    for (int i : members) {
      ManagedChannel ch = cluster.member(i).channel();
      try {
        HashKVResponse h = MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
            .hashKV(HashKVRequest.getDefaultInstance());
        if (reference == null) {
          reference = h;
        } else {
          assertEquals(reference.getHeader().getRevision(), h.getHeader().getRevision(), "revision of m" + i);
          assertEquals(reference.getHash(), h.getHash(), "HashKV of m" + i);
          assertEquals(reference.getCompactRevision(), h.getCompactRevision(), "compact revision of m" + i);
        }
      } finally {
        ch.shutdownNow();
      }
    }
    assertFalse(reference == null);
  }
}
