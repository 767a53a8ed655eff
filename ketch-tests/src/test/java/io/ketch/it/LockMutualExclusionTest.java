package io.ketch.it;

import static io.ketch.it.WatchSession.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.v3lockpb.LockGrpc;
import io.ketch.api.v3lockpb.LockRequest;
import io.ketch.api.v3lockpb.LockResponse;
import io.ketch.api.v3lockpb.UnlockRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many lockers on one Ketch lock, each incrementing a shared counter with a read and a write fenced
 * by its lock key's creation revision: the count is exact, every fenced write succeeds, and no two
 * holders ever overlap.
 */
class LockMutualExclusionTest {
  private static final int LOCKERS = 8;
  private static final int ROUNDS = 20;

  @Test
  void countIsExact() throws Exception {
    try (KetchNode ketch = new KetchNode()) {
      ManagedChannel ch = ketch.channel();
      try {
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger maxHolders = new AtomicInteger();
        AtomicInteger fencedWrites = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < LOCKERS; t++) {
          long lease = 1000 + t;
          LeaseGrpc.newBlockingStub(ch).leaseGrant(LeaseGrantRequest.newBuilder().setID(lease).setTTL(120).build());
          Thread th = new Thread(() -> {
            try {
              LockGrpc.LockBlockingStub lock = LockGrpc.newBlockingStub(ch);
              KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
              for (int i = 0; i < ROUNDS; i++) {
                LockResponse held = lock.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .lock(LockRequest.newBuilder().setName(b("counter-lock")).setLease(lease).build());
                maxHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
                long fence = kv.range(RangeRequest.newBuilder().setKey(held.getKey()).build())
                    .getKvs(0).getCreateRevision();
                RangeResponse c = kv.range(RangeRequest.newBuilder().setKey(b("counter")).build());
                long v = c.getCount() == 0 ? 0 : Long.parseLong(c.getKvs(0).getValue().toStringUtf8());
                Thread.yield();
                boolean ok = kv.txn(TxnRequest.newBuilder()
                    .addCompare(Compare.newBuilder().setKey(held.getKey()).setTarget(Compare.CompareTarget.CREATE)
                        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(fence))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                        .setKey(b("counter")).setValue(ByteString.copyFromUtf8(Long.toString(v + 1)))))
                    .build()).getSucceeded();
                if (ok) {
                  fencedWrites.incrementAndGet();
                }
                holders.decrementAndGet();
                lock.unlock(UnlockRequest.newBuilder().setKey(held.getKey()).build());
              }
            } catch (Throwable e) {
              failures.add(e);
            }
          });
          threads.add(th);
        }
        threads.forEach(Thread::start);
        for (Thread th : threads) {
          th.join(120_000);
        }
        assertTrue(failures.isEmpty(), () -> "lockers failed: " + failures);
        assertEquals(1, maxHolders.get(), "two lockers held the lock at once");
        assertEquals(LOCKERS * ROUNDS, fencedWrites.get(), "a fenced write found its lock key gone");
        RangeResponse c = KVGrpc.newBlockingStub(ch).range(RangeRequest.newBuilder().setKey(b("counter")).build());
        assertEquals(Integer.toString(LOCKERS * ROUNDS), c.getKvs(0).getValue().toStringUtf8());
        RangeResponse left = KVGrpc.newBlockingStub(ch).range(RangeRequest.newBuilder().setKey(b("counter-lock/"))
            .setRangeEnd(b("counter-lock0")).build());
        assertEquals(0, left.getCount(), "every locker's key is gone after unlock");
      } finally {
        ch.shutdownNow();
      }
    }
  }
}
