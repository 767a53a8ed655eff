package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.MemberListRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.SnapshotRequest;
import io.ketch.api.etcdserverpb.SnapshotResponse;
import io.ketch.it.TestDirs;
import io.ketch.server.admin.SnapshotCommand;
import io.ketch.server.admin.SnapshotStatus;
import io.ketch.server.storage.Directories;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * etcd's disaster recovery for a whole cluster (issue: snapshots, item 6): a backup saved from one
 * member of a 3-member cluster while writes go on is restored with {@code ketch snapshot restore} into each member's
 * data dir (each with its own name and peer URL, one {@code --initial-cluster}), and the three start
 * as a new cluster holding exactly the keys the cluster had at the backup's revision, at that
 * revision, with equal HashKV, taking writes.
 */
class ClusterRestoreTest {
  private static final String[] FLAGS = {"--election-timeout", "500", "--heartbeat-interval", "50"};

  @Test
  void aBackupRestoredOnEveryMemberStartsTheClusterAgain() throws Exception {
    Path dir = TestDirs.newDir("cluster-restore");
    try (KetchCluster cluster = KetchCluster.start(3, 3, FLAGS)) {
      cluster.awaitConverged(60_000);
      int leader = cluster.awaitLeader(30_000);
      Path backup = dir.resolve("backup.db");
      ManagedChannel ch = cluster.member(leader).channel();
      RangeResponse before;
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        for (int i = 0; i < 300; i++) {
          kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
              .setKey(RegisterWorkload.bs("r/" + (i % 50))).setValue(RegisterWorkload.bs("v" + i)).build());
        }
        // the backup is saved while a writer goes on
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger written = new AtomicInteger();
        Thread writer = new Thread(() -> {
          for (int i = 0; !stop.get(); i++) {
            kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                .setKey(RegisterWorkload.bs("w/" + (i % 100))).setValue(RegisterWorkload.bs("w" + i)).build());
            written.incrementAndGet();
          }
        });
        writer.start();
        int follower = leader == 1 ? 2 : 1; // etcdctl snapshot save asks one member: any will do
        ManagedChannel f = cluster.member(follower).channel();
        try (OutputStream out = Files.newOutputStream(backup)) {
          Iterator<SnapshotResponse> chunks = MaintenanceGrpc.newBlockingStub(f).withDeadlineAfter(60, TimeUnit.SECONDS)
              .snapshot(SnapshotRequest.getDefaultInstance());
          while (chunks.hasNext()) {
            chunks.next().getBlob().writeTo(out);
          }
        } finally {
          f.shutdownNow();
          stop.set(true);
          writer.join();
        }
        assertTrue(written.get() > 0, "writes went on during the save");
        long saved = SnapshotStatus.of(backup).revision();
        before = kv.withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
            .setKey(RegisterWorkload.bs("\0")).setRangeEnd(RegisterWorkload.bs("\0")).setRevision(saved).build());
        assertEquals(saved, before.getKvsList().stream().mapToLong(k -> k.getModRevision()).max().orElse(0),
            "the backup's revision is the newest change it holds");
      } finally {
        ch.shutdownNow();
      }

      for (MemberProcess m : cluster.members()) {
        m.terminate();
      }
      for (MemberProcess m : cluster.members()) {
        Directories.deleteTree(m.dataDir());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = SnapshotCommand.run(new String[] {"restore", backup.toString(), "--name", m.name(),
            "--data-dir", m.dataDir().toString(), "--initial-cluster", cluster.initialCluster(3),
            "--initial-cluster-token", "ketch-test", "--initial-advertise-peer-urls", m.peerUrl()},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
      }
      for (MemberProcess m : cluster.members()) {
        m.start();
      }
      for (MemberProcess m : cluster.members()) {
        m.awaitServing(90_000);
      }
      cluster.awaitConverged(60_000);

      HashKVResponse reference = null;
      for (MemberProcess m : cluster.members()) {
        ManagedChannel c = m.channel();
        try {
          RangeResponse after = KVGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS).range(
              RangeRequest.newBuilder().setKey(RegisterWorkload.bs("\0")).setRangeEnd(RegisterWorkload.bs("\0"))
                  .setSerializable(true).build());
          assertEquals(before.getKvsList(), after.getKvsList(), m.name() + " holds the backup's keys");
          assertEquals(3, ClusterGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS)
              .memberList(MemberListRequest.getDefaultInstance()).getMembersCount());
          HashKVResponse h = MaintenanceGrpc.newBlockingStub(c).withDeadlineAfter(20, TimeUnit.SECONDS)
              .hashKV(HashKVRequest.getDefaultInstance());
          if (reference == null) {
            reference = h;
          } else {
            assertEquals(reference.getHash(), h.getHash(), "HashKV of " + m.name());
            assertEquals(reference.getHeader().getRevision(), h.getHeader().getRevision());
          }
        } finally {
          c.shutdownNow();
        }
      }
      long saved = SnapshotStatus.of(backup).revision();
      assertEquals(saved, reference.getHeader().getRevision(), "the restored cluster continues at the backup's revision");
      ManagedChannel c = cluster.member(1).channel();
      try {
        long rev = KVGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
            .setKey(RegisterWorkload.bs("r/new")).setValue(RegisterWorkload.bs("x")).build()).getHeader().getRevision();
        assertEquals(saved + 1, rev);
      } finally {
        c.shutdownNow();
      }
    } finally {
      TestDirs.delete(dir);
    }
  }
}
