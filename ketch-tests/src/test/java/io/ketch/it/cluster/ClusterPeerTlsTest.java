package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.ketch.api.etcdserverpb.MemberRemoveRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.it.TestCerts;
import io.ketch.it.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * TLS between members (issue: security, item 6): a 3-member cluster whose members present
 * certificates of one CA to each other ({@code --peer-client-cert-auth}) forms, replicates and ends
 * with equal HashKV; a fourth member added to it with a certificate of another CA cannot join (its
 * join call is refused at the handshake; it exits saying so), nor can a fifth whose certificate is of
 * the right CA but not of the common name {@code --peer-cert-allowed-cn} names, and the cluster goes
 * on serving. With {@code --peer-auto-tls} each member makes its own certificate, keeps it across a
 * restart, and the members talk TLS without verifying each other (etcd's behaviour).
 */
class ClusterPeerTlsTest {
  @Test
  void membersWithTheClusterCaFormItAndAForeignOneCannotJoin() throws Exception {
    Path dir = TestDirs.newDir("ketch-peer-tls");
    try {
      new TestCerts(dir).ca("ca").peer("peer", "member", "ca").ca("other").peer("stranger", "member", "other")
          .peer("intruder", "intruder", "ca");
      String[] tls = {"--election-timeout", "500", "--heartbeat-interval", "50",
          "--peer-cert-file", dir.resolve("peer.crt").toString(), "--peer-key-file", dir.resolve("peer.key").toString(),
          "--peer-trusted-ca-file", dir.resolve("ca.crt").toString(), "--peer-client-cert-auth",
          "--peer-cert-allowed-cn", "member"};
      try (KetchCluster cluster = KetchCluster.start(3, 5, tls)) {
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

          // the right CA, the wrong common name
          assertEquals(3, ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
              .memberRemove(MemberRemoveRequest.newBuilder().setID(added.getMember().getID()).build()).getMembersCount());
          MemberAddResponse added5 = ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
              .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(cluster.peerUrl(5)).setIsLearner(true).build());
          MemberProcess m5 = cluster.joiner(5,
              ClusterMembershipTest.initialCluster(added5.getMembersList(), added5.getMember().getID(), "m5"),
              "--peer-cert-file", dir.resolve("intruder.crt").toString(),
              "--peer-key-file", dir.resolve("intruder.key").toString());
          m5.start();
          assertNotEquals(0, m5.await(60), "the member with another common name joined:\n" + cluster.logTail(5, 20));
          assertTrue(Files.readString(m5.log()).contains("cannot fetch cluster info"), cluster.logTail(5, 20));
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

  @Test
  void peerAutoTlsMembersMakeTheirOwnCertificates() throws Exception {
    try (KetchCluster cluster = KetchCluster.start(3, 3, "--election-timeout", "500", "--heartbeat-interval", "50",
        "--peer-auto-tls")) {
      cluster.awaitConverged(60_000);
      int leader = cluster.awaitLeader(30_000);
      ManagedChannel ch = cluster.member(leader == 1 ? 2 : 1).channel(); // through a follower: forwarded over TLS
      try {
        KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(bs("auto")).setValue(bs("tls")).build());
      } finally {
        ch.shutdownNow();
      }
      for (int i = 1; i <= 3; i++) {
        Path file = cluster.member(i).dataDir().resolve("fixtures").resolve("peer").resolve("cert.pem");
        X509Certificate cert = TestCerts.read(file);
        assertEquals("O=etcd", cert.getSubjectX500Principal().getName());
        assertEquals(cert, TestCerts.served("127.0.0.1:" + cluster.peerPort(i)), "m" + i + " serves its own certificate");
      }
      byte[] before = Files.readAllBytes(cluster.member(1).dataDir().resolve("fixtures/peer/cert.pem"));
      cluster.member(1).terminate();
      MemberProcess again = cluster.restarted(1);
      again.start();
      again.awaitServing(60_000);
      cluster.awaitConverged(60_000);
      assertArrayEquals(before, Files.readAllBytes(again.dataDir().resolve("fixtures/peer/cert.pem")),
          "the certificate is kept across a restart");
      ManagedChannel c1 = again.channel();
      try {
        assertEquals(1, KVGrpc.newBlockingStub(c1).withDeadlineAfter(10, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(bs("auto")).build()).getCount());
      } finally {
        c1.shutdownNow();
      }
    }
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
