package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.Member;
import io.ketch.api.etcdserverpb.MemberAddRequest;
import io.ketch.api.etcdserverpb.MemberAddResponse;
import io.ketch.api.etcdserverpb.MemberListRequest;
import io.ketch.api.etcdserverpb.MemberPromoteRequest;
import io.ketch.api.etcdserverpb.MemberRemoveRequest;
import io.ketch.api.etcdserverpb.MemberUpdateRequest;
import io.ketch.api.etcdserverpb.MoveLeaderRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.StatusResponse;
import io.ketch.it.linearizability.LinearizabilityChecker;
import io.ketch.it.linearizability.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * etcd's membership procedures on a running cluster (issue: cluster, items 3 and 5): adding a
 * voter under load and starting it with {@code --initial-cluster-state existing}; adding a learner,
 * which serves only serializable reads until it is promoted once in sync; removing a follower and
 * the leader (which stop themselves); moving a member to new peer URLs; moving and handing over
 * leadership; and etcd's strict reconfiguration check.
 */
class ClusterMembershipTest {
  private static final String[] FLAGS = {"--election-timeout", "500", "--heartbeat-interval", "50"};

  @Test
  void aVoterJoinsUnderLoadThenALearnerIsPromotedOnceInSync() {
    try (KetchCluster cluster = KetchCluster.start(3, 5, FLAGS);
        RegisterWorkload load = new RegisterWorkload("load/", 3)) {
      cluster.awaitConverged(60_000);
      load.start(cluster, 1, 1, 1);
      load.start(cluster, 2, 1, 2);
      ManagedChannel ch = cluster.member(2).channel(); // a follower or the leader: changes are forwarded
      try {
        ClusterGrpc.ClusterBlockingStub admin = ClusterGrpc.newBlockingStub(ch);
        MemberAddResponse added = deadline(admin).memberAdd(MemberAddRequest.newBuilder()
            .addPeerURLs(cluster.peerUrl(4)).build());
        assertEquals("", added.getMember().getName(), "unstarted until it publishes");
        assertEquals(4, added.getMembersCount());
        MemberProcess m4 = cluster.joiner(4, initialCluster(added.getMembersList(), added.getMember().getID(), "m4"));
        m4.start();
        m4.awaitServing(60_000);
        await(() -> started(admin, added.getMember().getID()), "m4 publishes its name and client URL");
        assertFalse(status(cluster, 4).getIsLearner());

        MemberAddResponse learner = deadline(admin).memberAdd(MemberAddRequest.newBuilder()
            .addPeerURLs(cluster.peerUrl(5)).setIsLearner(true).build());
        long id5 = learner.getMember().getID();
        assertTrue(learner.getMember().getIsLearner());
        StatusRuntimeException early = assertThrows(StatusRuntimeException.class,
            () -> deadline(admin).memberPromote(MemberPromoteRequest.newBuilder().setID(id5).build()));
        assertEquals("etcdserver: can only promote a learner member which is in sync with leader",
            early.getStatus().getDescription());
        MemberProcess m5 = cluster.joiner(5, initialCluster(learner.getMembersList(), id5, "m5"));
        m5.start();
        awaitStatus(cluster, 5, s -> s.getIsLearner() && s.getLeader() != 0);
        ManagedChannel c5 = m5.channel();
        try {
          StatusRuntimeException put = assertThrows(StatusRuntimeException.class, () -> KVGrpc.newBlockingStub(c5)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .put(PutRequest.newBuilder().setKey(RegisterWorkload.bs("x")).setValue(RegisterWorkload.bs("y")).build()));
          assertEquals("etcdserver: rpc not supported for learner", put.getStatus().getDescription());
          KVGrpc.newBlockingStub(c5).withDeadlineAfter(10, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(RegisterWorkload.bs("load/0")).setSerializable(true).build());
        } finally {
          c5.shutdownNow();
        }
        await(() -> {
          try {
            deadline(admin).memberPromote(MemberPromoteRequest.newBuilder().setID(id5).build());
            return true;
          } catch (StatusRuntimeException e) {
            return false; // not in sync yet, as etcd users retry
          }
        }, "the learner is promoted once in sync");
        awaitStatus(cluster, 5, s -> !s.getIsLearner() && s.getLeader() != 0);
        StatusRuntimeException again = assertThrows(StatusRuntimeException.class,
            () -> deadline(admin).memberPromote(MemberPromoteRequest.newBuilder().setID(id5).build()));
        assertEquals("etcdserver: can only promote a learner member", again.getStatus().getDescription());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
            () -> deadline(admin).memberPromote(MemberPromoteRequest.newBuilder().setID(42).build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        assertEquals("etcdserver: member not found", unknown.getStatus().getDescription());
      } finally {
        ch.shutdownNow();
      }
      load.close();
      cluster.awaitConverged(60_000);
      Verdict v = LinearizabilityChecker.check(load.history().operations());
      assertTrue(v.isLinearizable(), v.toString());
      assertTrue(load.acknowledged() > 0);
    }
  }

  @Test
  void removedMembersStopThemselvesAndTheLeaderHandsOverFirst() {
    try (KetchCluster cluster = KetchCluster.start(3, 3, FLAGS)) {
      int leader = cluster.awaitLeader(60_000);
      int follower = leader == 1 ? 2 : 1;
      int third = 6 - leader - follower;
      ManagedChannel ch = cluster.member(third).channel();
      try {
        ClusterGrpc.ClusterBlockingStub admin = ClusterGrpc.newBlockingStub(ch);
        long followerId = cluster.memberId(follower);
        assertEquals(2, deadline(admin).memberRemove(MemberRemoveRequest.newBuilder().setID(followerId).build())
            .getMembersCount());
        assertEquals(0, cluster.member(follower).await(40), "a removed member stops, exit code 0");
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
            () -> deadline(admin).memberRemove(MemberRemoveRequest.newBuilder().setID(followerId).build()));
        assertEquals("etcdserver: member not found", gone.getStatus().getDescription());

        long leaderId = cluster.memberId(leader);
        long t0 = System.nanoTime();
        deadline(admin).memberRemove(MemberRemoveRequest.newBuilder().setID(leaderId).build());
        assertEquals(0, cluster.member(leader).await(40), "the removed leader stops, exit code 0");
        StatusResponse s = awaitStatus(cluster, third, x -> x.getLeader() != 0);
        assertEquals(cluster.memberId(third), s.getLeader(), "the one member left leads");
        KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(RegisterWorkload.bs("after")).setValue(RegisterWorkload.bs("1")).build());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(35));
        assertEquals(1, deadline(admin).memberList(MemberListRequest.getDefaultInstance()).getMembersCount());
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void aMemberMovesToNewPeerUrlsAfterMemberUpdate() {
    try (KetchCluster cluster = KetchCluster.start(3, 4, FLAGS)) {
      cluster.awaitConverged(60_000);
      ManagedChannel ch = cluster.member(1).channel();
      try {
        ClusterGrpc.ClusterBlockingStub admin = ClusterGrpc.newBlockingStub(ch);
        long id2 = cluster.memberId(2);
        deadline(admin).memberUpdate(MemberUpdateRequest.newBuilder().setID(id2).addPeerURLs(cluster.peerUrl(4)).build());
        List<String> flags = new ArrayList<>(List.of(FLAGS));
        cluster.member(2).terminate();
        MemberProcess moved = cluster.moved(2, 4, flags);
        moved.start();
        moved.awaitServing(60_000);
        KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(RegisterWorkload.bs("moved")).setValue(RegisterWorkload.bs("1")).build());
        cluster.awaitConverged(60_000);
        Member m = deadline(admin).memberList(MemberListRequest.getDefaultInstance()).getMembersList().stream()
            .filter(x -> x.getID() == id2).findFirst().orElseThrow();
        assertEquals(List.of(cluster.peerUrl(4)), m.getPeerURLsList());
        StatusRuntimeException taken = assertThrows(StatusRuntimeException.class, () -> deadline(admin)
            .memberUpdate(MemberUpdateRequest.newBuilder().setID(id2).addPeerURLs(cluster.peerUrl(1)).build()));
        assertEquals("etcdserver: Peer URLs already exists", taken.getStatus().getDescription());
        StatusRuntimeException empty = assertThrows(StatusRuntimeException.class,
            () -> deadline(admin).memberUpdate(MemberUpdateRequest.newBuilder().setID(id2).build()));
        assertEquals("etcdserver: given member URLs are invalid", empty.getStatus().getDescription(),
            "etcd 3.4 accepts an empty list and then its other members crash; Ketch refuses it");
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void leadershipMovesOnRequestAndOnAStopWithoutAnElectionTimeout() {
    try (KetchCluster cluster = KetchCluster.start(3, 3, "--election-timeout", "2000", "--heartbeat-interval", "100")) {
      int leader = cluster.awaitLeader(60_000);
      int target = leader == 1 ? 2 : 1;
      ManagedChannel toLeader = cluster.member(leader).channel();
      ManagedChannel toTarget = cluster.member(target).channel();
      try {
        StatusRuntimeException notLeader = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc
            .newBlockingStub(toTarget).withDeadlineAfter(10, TimeUnit.SECONDS)
            .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(cluster.memberId(leader)).build()));
        assertEquals("etcdserver: not leader", notLeader.getStatus().getDescription());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> MaintenanceGrpc
            .newBlockingStub(toLeader).withDeadlineAfter(10, TimeUnit.SECONDS)
            .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(42).build()));
        assertEquals("etcdserver: bad leader transferee", bad.getStatus().getDescription());
        long term = status(cluster, leader).getRaftTerm();
        MaintenanceGrpc.newBlockingStub(toLeader).withDeadlineAfter(10, TimeUnit.SECONDS)
            .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(cluster.memberId(target)).build());
        StatusResponse after = status(cluster, target);
        assertEquals(cluster.memberId(target), after.getLeader(), "MoveLeader answers once the target leads");
        assertTrue(after.getRaftTerm() > term);
      } finally {
        toLeader.shutdownNow();
        toTarget.shutdownNow();
      }

      // a clean stop of the leader hands leadership over: the next leader is there well within the
      // 2 s election timeout that a crash would cost
      int current = cluster.awaitLeader(30_000);
      int other = current == 1 ? 2 : 1;
      long currentId = cluster.memberId(current);
      long t0 = System.nanoTime();
      cluster.member(current).terminate();
      StatusResponse s = awaitStatus(cluster, other, x -> x.getLeader() != 0 && x.getLeader() != currentId);
      long tookMillis = (System.nanoTime() - t0) / 1_000_000;
      assertNotEquals(0, s.getLeader());
      assertTrue(grep(cluster, current, "event=leadership-handed-over"), "the stopping leader handed over:\n"
          + cluster.logTail(current, 30));
      assertTrue(tookMillis < 5_000, "took " + tookMillis + " ms from SIGTERM to a new leader");
    }
  }

  @Test
  void strictReconfigurationRefusesChangesThatRiskTheQuorum() {
    try (KetchCluster cluster = KetchCluster.start(3, 4, FLAGS)) {
      int leader = cluster.awaitLeader(60_000);
      int down = leader == 1 ? 2 : 1;
      int up = 6 - leader - down;
      long downId = cluster.memberId(down);
      long upId = cluster.memberId(up);
      cluster.member(down).kill();
      KetchCluster.sleep(6_000); // etcd counts a peer as connected for 5 s after it was last heard
      ManagedChannel ch = cluster.member(leader).channel();
      try {
        ClusterGrpc.ClusterBlockingStub admin = ClusterGrpc.newBlockingStub(ch);
        StatusRuntimeException add = assertThrows(StatusRuntimeException.class, () -> deadline(admin)
            .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(cluster.peerUrl(4)).build()));
        assertEquals(Status.Code.UNAVAILABLE, add.getStatus().getCode());
        assertEquals("etcdserver: unhealthy cluster", add.getStatus().getDescription());
        StatusRuntimeException remove = assertThrows(StatusRuntimeException.class, () -> deadline(admin)
            .memberRemove(MemberRemoveRequest.newBuilder().setID(upId).build()));
        assertEquals("etcdserver: unhealthy cluster", remove.getStatus().getDescription());
        // a member that is down is not part of the active quorum: removing it is safe
        assertEquals(2, deadline(admin).memberRemove(MemberRemoveRequest.newBuilder().setID(downId).build())
            .getMembersCount());
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void aJoinerWhoseFlagsDoNotMatchTheClusterRefusesToStart() {
    try (KetchCluster cluster = KetchCluster.start(3, 4, FLAGS)) {
      cluster.awaitConverged(60_000);
      // never added: its --initial-cluster has one member more than the cluster
      MemberProcess stranger = cluster.joiner(4, cluster.initialCluster(3) + ",m4=" + cluster.peerUrl(4));
      stranger.start();
      assertEquals(1, stranger.await(60));
      assertTrue(grep(cluster, 4, "member count is unequal"), cluster.logTail(4, 10));
      // a name missing from --initial-cluster
      MemberProcess nameless = cluster.joiner(4, cluster.initialCluster(3));
      nameless.start();
      assertEquals(1, nameless.await(60));
      assertTrue(grep(cluster, 4, "couldn't find local name \"m4\" in the initial cluster configuration"),
          cluster.logTail(4, 10));
    }
  }

  // ---- helpers ----

  private static ClusterGrpc.ClusterBlockingStub deadline(ClusterGrpc.ClusterBlockingStub s) {
    return s.withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** The --initial-cluster etcdctl member add prints: every member's name=peerURL, the new one named. */
  static String initialCluster(List<Member> members, long newId, String newName) {
    List<String> parts = new ArrayList<>();
    for (Member m : members) {
      for (String u : m.getPeerURLsList()) {
        parts.add((m.getID() == newId ? newName : m.getName()) + "=" + u);
      }
    }
    return String.join(",", parts);
  }

  private static boolean started(ClusterGrpc.ClusterBlockingStub admin, long id) {
    return deadline(admin).memberList(MemberListRequest.getDefaultInstance()).getMembersList().stream()
        .anyMatch(m -> m.getID() == id && !m.getName().isEmpty() && m.getClientURLsCount() > 0);
  }

  private static StatusResponse status(KetchCluster cluster, int i) {
    return awaitStatus(cluster, i, s -> true);
  }

  private static StatusResponse awaitStatus(KetchCluster cluster, int i, java.util.function.Predicate<StatusResponse> ok) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      StatusResponse s = cluster.status(i);
      if (s != null && ok.test(s)) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("m" + i + " status never as expected: " + s + "\n" + cluster.logTail(i, 20));
      }
      KetchCluster.sleep(50);
    }
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out: " + what);
      }
      KetchCluster.sleep(100);
    }
  }

  private static boolean grep(KetchCluster cluster, int i, String text) {
    return cluster.logTail(i, 100_000).contains(text);
  }
}
