package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.PutResponse;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of the server while concurrent writers are putting: after a restart every acknowledged put
 * is readable with its value, and the store revision has not gone backwards.
 */
class CrashRecoveryTest {
  private static final int WRITERS = 16;
  private static final int CRASHES = 3;

  @Test
  void noAcknowledgedWriteIsLostAcrossKillNine() throws Exception {
    Path dir = TestDirs.newDir("ketch-crash");
    // frequent Raft snapshots, so kill -9 also lands while one is being taken
    KetchProcess ketch = new KetchProcess(dir, TestDirs.freePort(), TestDirs.freePort(), "--snapshot-count", "100");
    Map<String, String> acked = new ConcurrentHashMap<>();
    AtomicLong maxAckedRev = new AtomicLong();
    try {
      for (int crash = 0; crash < CRASHES; crash++) {
        AtomicBoolean stop = new AtomicBoolean();
        ManagedChannel ch = ketch.channel();
        Thread[] writers = new Thread[WRITERS];
        for (int w = 0; w < WRITERS; w++) {
          String prefix = "c" + crash + "/w" + w + "/";
          writers[w] = new Thread(() -> {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
            for (int i = 0; !stop.get(); i++) {
              String key = prefix + i;
              String value = "value-" + i;
              try {
                PutResponse r = kv.withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build());
                acked.put(key, value);
                maxAckedRev.accumulateAndGet(r.getHeader().getRevision(), Math::max);
              } catch (RuntimeException e) {
                return; // the server died under us: this put was not acknowledged
              }
            }
          });
          writers[w].start();
        }
        Thread.sleep(1500 + 500L * crash);
        ketch.kill();
        stop.set(true);
        for (Thread t : writers) {
          t.join(10_000);
        }
        ch.shutdownNow();
        ketch.start();
      }

      assertTrue(acked.size() > 1000, "too few writes acknowledged to mean anything: " + acked.size());
      ManagedChannel ch = ketch.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        RangeResponse all = kv.withDeadlineAfter(30, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
            .setKey(ByteString.copyFrom(new byte[1])).setRangeEnd(ByteString.copyFrom(new byte[1])).build());
        Map<String, String> found = new ConcurrentHashMap<>();
        all.getKvsList().forEach(kvp -> found.put(kvp.getKey().toStringUtf8(), kvp.getValue().toStringUtf8()));
        for (Map.Entry<String, String> e : acked.entrySet()) {
          assertEquals(e.getValue(), found.get(e.getKey()), "acknowledged put lost: " + e.getKey());
        }
        assertTrue(all.getHeader().getRevision() >= maxAckedRev.get(),
            "revision went backwards: " + all.getHeader().getRevision() + " < " + maxAckedRev.get());
      } finally {
        ch.shutdownNow();
      }
    } finally {
      ketch.close();
      TestDirs.delete(dir);
    }
  }
}
