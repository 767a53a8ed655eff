package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.MemberAddRequest;
import io.ketch.api.etcdserverpb.MemberAddResponse;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.it.TestCerts;
import io.ketch.it.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * TLS between members (issue: security, item 6): a 3-member cluster whose members present
 * certificates of one CA to each other ({@code --peer-client-cert-auth}) forms, replicates and ends
 * with equal HashKV; a fourth member added to it with a certificate of another CA cannot join (its
 * join call is refused at the handshake; it exits saying so), and the cluster goes on serving.
 */
class ClusterPeerTlsTest {
  @Test
  void membersWithTheClusterCaFormItAndAForeignOneCannotJoin() throws Exception {
    Path dir = TestDirs.newDir("ketch-peer-tls");
    try {
      new TestCerts(dir).ca("ca").peer("peer", "member", "ca").ca("other").peer("stranger", "member", "other");
      String[] tls = {"--election-timeout", "500", "--heartbeat-interval", "50",
          "--peer-cert-file", dir.resolve("peer.crt").toString(), "--peer-key-file", dir.resolve("peer.key").toString(),
          "--peer-trusted-ca-file", dir.resolve("ca.crt").toString(), "--peer-client-cert-auth"};
      try (KetchCluster cluster = KetchCluster.start(3, 4, tls)) {
        cluster.awaitConverged(60_000);
        int leader = cluster.awaitLeader(30_000);
        ManagedChannel ch = cluster.member(leader == 1 ? 2 : 1).channel(); // through a follower: forwarded over TLS
        try {
          KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
              .put(PutRequest.newBuilder().setKey(bs("tls")).setValue(bs("between members")).build());
          cluster.awaitConverged(30_000);
          long hash = -1;
          for (int i = 1; i <= 3; i++) {
            ManagedChannel c = cluster.member(i).channel();
            try {
              assertEquals(1, KVGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS)
                  .range(RangeRequest.newBuilder().setKey(bs("tls")).setSerializable(true).build()).getCount());
              long h = MaintenanceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS)
                  .hashKV(HashKVRequest.getDefaultInstance()).getHash();
              assertTrue(hash == -1 || hash == h, "HashKV of m" + i);
              hash = h;
            } finally {
              c.shutdownNow();
            }
          }

          MemberAddResponse added = ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
              .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(cluster.peerUrl(4)).setIsLearner(true).build());
          MemberProcess m4 = cluster.joiner(4,
              ClusterMembershipTest.initialCluster(added.getMembersList(), added.getMember().getID(), "m4"),
              "--peer-cert-file", dir.resolve("stranger.crt").toString(),
              "--peer-key-file", dir.resolve("stranger.key").toString(),
              "--peer-trusted-ca-file", dir.resolve("other.crt").toString());
          m4.start();
          int exit = m4.await(60);
          assertNotEquals(0, exit, "the member with a foreign certificate joined:\n" + cluster.logTail(4, 20));
          String log = Files.readString(m4.log());
          assertTrue(log.contains("cannot fetch cluster info"), cluster.logTail(4, 20));
          KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
              .put(PutRequest.newBuilder().setKey(bs("tls")).setValue(bs("still")).build());
        } finally {
          ch.shutdownNow();
        }
      }
    } finally {
      TestDirs.delete(dir);
    }
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
