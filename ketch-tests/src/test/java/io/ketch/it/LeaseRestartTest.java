package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Leases across kill -9: granted leases and their keys come back, and thanks to checkpoints (here
 * every second) a lease's remaining TTL keeps counting from where it was instead of starting over.
 */
class LeaseRestartTest {
  private static final long LONG = 60;
  private static final long SHORT = 10;
  private static final long FRESH = 600;

  @Test
  void remainingTtlsAndAttachedKeysSurviveKillNine() throws Exception {
    Path dir = TestDirs.newDir("ketch-lease-restart");
    KetchProcess ketch = new KetchProcess(dir, TestDirs.freePort(), TestDirs.freePort(),
        "--experimental-lease-checkpoint-interval", "1s");
    try {
      ManagedChannel ch = ketch.channel();
      LeaseGrpc.LeaseBlockingStub lease = LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
      lease.leaseGrant(LeaseGrantRequest.newBuilder().setID(1).setTTL(LONG).build());
      lease.leaseGrant(LeaseGrantRequest.newBuilder().setID(2).setTTL(SHORT).build());
      kv.put(PutRequest.newBuilder().setKey(bs("long/k")).setLease(1).build());
      kv.put(PutRequest.newBuilder().setKey(bs("short/k")).setLease(2).build());
      Thread.sleep(7000);
      lease.leaseGrant(LeaseGrantRequest.newBuilder().setID(3).setTTL(FRESH).build());
      kv.put(PutRequest.newBuilder().setKey(bs("fresh/k")).setLease(3).build());
      ch.shutdownNow();
      ketch.kill();

      ketch.start();
      long ready = System.nanoTime();
      ch = ketch.channel();
      try {
        lease = LeaseGrpc.newBlockingStub(ch);
        kv = KVGrpc.newBlockingStub(ch);
        LeaseTimeToLiveResponse l1 = lease.withDeadlineAfter(30, TimeUnit.SECONDS)
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(1).setKeys(true).build());
        assertEquals(LONG, l1.getGrantedTTL());
        assertEquals(List.of(bs("long/k")), l1.getKeysList(), "attachments come back");
        assertTrue(l1.getTTL() <= LONG - 6 && l1.getTTL() >= LONG - 20,
            "lease 1 kept counting down across the restart: TTL " + l1.getTTL());
        LeaseTimeToLiveResponse l3 = lease.withDeadlineAfter(30, TimeUnit.SECONDS)
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(3).setKeys(true).build());
        assertEquals(List.of(bs("fresh/k")), l3.getKeysList(), "an acknowledged grant survives kill -9");
        assertTrue(l3.getTTL() >= FRESH - 5, "lease 3 TTL " + l3.getTTL());

        // lease 2 had about 3 s left: it must go well before a full 10 s TTL would have run out
        long goneAfterMillis = -1;
        while (System.nanoTime() - ready < TimeUnit.SECONDS.toNanos(SHORT + 5)) {
          if (kv.withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder().setKey(bs("short/k")).build())
              .getCount() == 0) {
            goneAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ready);
            break;
          }
          Thread.sleep(100);
        }
        assertTrue(goneAfterMillis >= 0, "lease 2 never expired after the restart");
        assertTrue(goneAfterMillis < 7000, "lease 2 restarted its countdown: expired " + goneAfterMillis + " ms after restart");
        assertEquals(-1, lease.withDeadlineAfter(10, TimeUnit.SECONDS)
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(2).build()).getTTL());
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
