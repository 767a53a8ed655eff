package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.Member;
import io.ketch.api.etcdserverpb.MemberListRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * etcd's disaster recovery with {@code --force-new-cluster} (issue: snapshots, item 7): two of three
 * members are lost for good; the survivor, restarted with the flag, is a one-member cluster with
 * its data, member ID and cluster ID, takes writes at the next revision, and stays one after a
 * restart without the flag.
 */
class ClusterForceNewClusterTest {
  private static final String[] FLAGS = {"--election-timeout", "500", "--heartbeat-interval", "50"};

  @Test
  void theSurvivorOfALostQuorumStartsAsAOneMemberCluster() throws Exception {
    try (KetchCluster cluster = KetchCluster.start(3, 3, FLAGS)) {
      cluster.awaitConverged(60_000);
      int leader = cluster.awaitLeader(30_000);
      int survivor = leader == 3 ? 2 : 3;
      long survivorId = cluster.memberId(survivor);
      long clusterId = cluster.status(survivor).getHeader().getClusterId();
      RangeResponse before;
      ManagedChannel ch = cluster.member(leader).channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        for (int i = 0; i < 200; i++) {
          kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
              .setKey(RegisterWorkload.bs("f/" + (i % 40))).setValue(RegisterWorkload.bs("v" + i)).build());
        }
        before = kv.withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
            .setKey(RegisterWorkload.bs("f/")).setRangeEnd(RegisterWorkload.bs("f0")).build());
      } finally {
        ch.shutdownNow();
      }
      cluster.awaitConverged(30_000);
      for (int i = 1; i <= 3; i++) {
        if (i != survivor) {
          cluster.member(i).kill();
        }
      }
      cluster.member(survivor).terminate();

      MemberProcess forced = cluster.restarted(survivor, "--force-new-cluster");
      forced.start();
      forced.awaitServing(60_000);
      assertOneMemberClusterWith(forced, survivorId, clusterId, before, 1);

      forced.terminate();
      MemberProcess plain = cluster.restarted(survivor);
      plain.start();
      plain.awaitServing(60_000);
      assertOneMemberClusterWith(plain, survivorId, clusterId, before, 2);
    }
  }

  /** The member serves alone: same IDs, the data from before, and a write at the next revision. */
  private static void assertOneMemberClusterWith(MemberProcess m, long memberId, long clusterId,
      RangeResponse before, int writesSince) {
    ManagedChannel ch = m.channel();
    try {
      List<Member> members = ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .memberList(MemberListRequest.getDefaultInstance()).getMembersList();
      assertEquals(1, members.size(), "members: " + members);
      assertEquals(memberId, members.get(0).getID());
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
      RangeResponse after = kv.withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
          .setKey(RegisterWorkload.bs("f/")).setRangeEnd(RegisterWorkload.bs("f0")).build());
      assertEquals(clusterId, after.getHeader().getClusterId());
      assertEquals(before.getKvsList(), after.getKvsList());
      long rev = kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
          .setKey(RegisterWorkload.bs("after/" + writesSince)).setValue(RegisterWorkload.bs("x")).build())
          .getHeader().getRevision();
      assertEquals(before.getHeader().getRevision() + writesSince, rev);
      assertTrue(m.isAlive());
    } finally {
      ch.shutdownNow();
    }
  }
}
