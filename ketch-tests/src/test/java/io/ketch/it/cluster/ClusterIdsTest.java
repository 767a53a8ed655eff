package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.Member;
import io.ketch.api.etcdserverpb.MemberListRequest;
import io.ketch.api.etcdserverpb.MemberListResponse;
import io.ketch.it.Endpoint;
import io.ketch.it.Readiness;
import io.ketch.it.TestDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Bootstrapping as etcd does (issue: cluster, item 1): a 3-member Ketch cluster and a 3-member
 * etcd cluster started with the same --initial-cluster and --initial-cluster-token report the same
 * member IDs and the same cluster ID.
 */
class ClusterIdsTest {
  @Test
  void theSameFlagsGiveTheIdsEtcdGives() throws Exception {
    Map<String, Long> ketchIds;
    long ketchCluster;
    String initialCluster;
    int[] clientPorts = new int[3];
    int[] peerPorts = new int[3];
    try (KetchCluster ketch = KetchCluster.start(true, 3, 3)) {
      ketch.awaitConverged(60_000);
      initialCluster = ketch.initialCluster(3);
      for (int i = 1; i <= 3; i++) {
        clientPorts[i - 1] = ketch.clientPort(i);
        peerPorts[i - 1] = ketch.peerPort(i);
      }
      MemberListResponse r = list(ketch.member(1));
      ketchIds = byName(r);
      ketchCluster = r.getHeader().getClusterId();
    }
    Path dir = TestDirs.newDir("etcd-cluster");
    List<Process> etcd = new ArrayList<>();
    try {
      for (int i = 1; i <= 3; i++) {
        String client = "http://127.0.0.1:" + clientPorts[i - 1];
        String peer = "http://127.0.0.1:" + peerPorts[i - 1];
        etcd.add(new ProcessBuilder("/usr/bin/etcd", "--name", "m" + i, "--data-dir", dir.resolve("m" + i).toString(),
            "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer, "--initial-cluster", initialCluster,
            "--initial-cluster-token", "ketch-test", "--initial-cluster-state", "new")
            .redirectErrorStream(true).redirectOutput(dir.resolve("m" + i + ".log").toFile()).start());
      }
      Endpoint e1 = endpoint("127.0.0.1:" + clientPorts[0]);
      Readiness.await(e1, 60_000, etcd.get(0));
      MemberListResponse r = list(e1);
      assertEquals(byName(r), ketchIds, "member IDs by name");
      assertEquals(Long.toHexString(r.getHeader().getClusterId()), Long.toHexString(ketchCluster), "cluster ID");
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    } finally {
      for (Process p : etcd) {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      TestDirs.delete(dir);
    }
  }

  private static Map<String, Long> byName(MemberListResponse r) {
    Map<String, Long> out = new TreeMap<>();
    for (Member m : r.getMembersList()) {
      out.put(m.getName(), m.getID());
    }
    return out;
  }

  private static MemberListResponse list(Endpoint e) {
    ManagedChannel ch = e.channel();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        MemberListResponse r = ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .memberList(MemberListRequest.getDefaultInstance());
        boolean named = r.getMembersList().stream().allMatch(m -> !m.getName().isEmpty());
        if ((named && r.getMembersCount() == 3) || System.nanoTime() > deadline) {
          return r;
        }
        KetchCluster.sleep(200);
      }
    } finally {
      ch.shutdownNow();
    }
  }

  private static Endpoint endpoint(String address) {
    return new Endpoint() {
      @Override
      public String name() {
        return "etcd";
      }

      @Override
      public String address() {
        return address;
      }

      @Override
      public void close() {}
    };
  }
}
