package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.server.storage.Directories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A member whose backend lost what its last Raft snapshot holds (a machine crash can drop RocksDB's
 * unsynced tail after the log behind the snapshot was purged; here the whole live database is gone)
 * rebuilds it from the snapshot plus the log tail when it starts: same keys, revisions, leases and
 * HashKV as before the crash.
 */
class SnapshotRecoveryTest {
  @Test
  void aLostBackendIsRebuiltFromTheSnapshotAndTheLogTail() throws Exception {
    Path dir = TestDirs.newDir("ketch-snapshot-recovery");
    KetchProcess ketch = new KetchProcess(dir, TestDirs.freePort(), TestDirs.freePort(), "--snapshot-count", "100");
    try {
      HashKVResponse before;
      RangeResponse keysBefore;
      long lease;
      ManagedChannel ch = ketch.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
        lease = LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(3600).build()).getID();
        kv.put(PutRequest.newBuilder().setKey(bs("leased")).setValue(bs("x")).setLease(lease).build());
        for (int i = 0; i < 3000; i++) {
          kv.put(PutRequest.newBuilder().setKey(bs("k/" + (i % 200))).setValue(bs("v" + i)).build());
          if (i == 1000) {
            kv.compact(CompactionRequest.newBuilder().setRevision(500).setPhysical(true).build());
          }
          if (i % 97 == 0) {
            kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("k/" + (i % 50))).build());
          }
        }
        keysBefore = kv.range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build());
        before = MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
            .hashKV(HashKVRequest.getDefaultInstance());
      } finally {
        ch.shutdownNow();
      }
      assertTrue(Files.readString(ketch.log()).contains("event=snapshot-taken"), "snapshots were taken");

      ketch.kill();
      Directories.deleteTree(dir.resolve("data").resolve("member").resolve("db"));
      ketch.start();

      assertTrue(Files.readString(ketch.log()).contains("event=backend-behind-snapshot"),
          "the member noticed its backend was behind its snapshot");
      ch = ketch.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
        RangeResponse keysAfter = kv.range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build());
        assertEquals(keysBefore.getKvsList(), keysAfter.getKvsList());
        assertEquals(keysBefore.getHeader().getRevision(), keysAfter.getHeader().getRevision());
        HashKVResponse after = MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
            .hashKV(HashKVRequest.getDefaultInstance());
        assertEquals(before.getHash(), after.getHash());
        assertEquals(before.getCompactRevision(), after.getCompactRevision());
        LeaseTimeToLiveResponse ttl = LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build());
        assertTrue(ttl.getTTL() > 0, "the lease survived: " + ttl);
        assertEquals(java.util.List.of(bs("leased")), ttl.getKeysList());
      } finally {
        ch.shutdownNow();
      }
    } finally {
      ketch.close();
      TestDirs.delete(dir);
    }
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
