package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.it.linearizability.History;
import io.ketch.it.linearizability.LinearizabilityChecker;
import io.ketch.it.linearizability.Op;
import io.ketch.it.linearizability.Result;
import io.ketch.it.linearizability.Verdict;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The negative control of the fault tests: the checker must catch a stale read when a real cluster
 * serves one. A member is paused (SIGSTOP) and cut off, the others move the key on, and the member is
 * resumed still cut off: its serializable reads (local, by definition) return the old value, and the
 * checker must call that history not linearizable. Its linearizable reads of the same moment must
 * not return the old value: they wait for a leader and fail, so that history stays linearizable.
 */
class StaleReadControlTest {
  @Test
  void serializableReadsFromAPausedMemberAreFlaggedAndLinearizableOnesAreNotStale() {
    try (KetchCluster cluster = KetchCluster.start(3, 3, "--election-timeout", "500", "--heartbeat-interval", "50")) {
      int leader = cluster.awaitLeader(60_000);
      int stale = leader == 3 ? 2 : 3;
      int writer = leader;
      History serializable = new History();
      History linearizable = new History();
      ManagedChannel w = cluster.member(writer).channel();
      ManagedChannel s = cluster.member(stale).channel();
      try {
        KVGrpc.KVBlockingStub wkv = KVGrpc.newBlockingStub(w);
        put(wkv, "k", "old", serializable, linearizable);
        cluster.awaitConverged(30_000);

        cluster.member(stale).pause();
        cluster.network().partition(true, List.of(Set.of(stale), others(stale)));
        put(wkv, "k", "new", serializable, linearizable);
        cluster.member(stale).resume();

        KVGrpc.KVBlockingStub skv = KVGrpc.newBlockingStub(s);
        long h = serializable.invoke("reader", "k", Op.get());
        RangeResponse r = skv.withDeadlineAfter(10, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(RegisterWorkload.bs("k")).setSerializable(true).build());
        serializable.complete(h, Result.read(r.getKvs(0).getValue().toStringUtf8()));
        assertEquals("old", r.getKvs(0).getValue().toStringUtf8(), "the cut-off member should still hold the old value");

        long l = linearizable.invoke("reader", "k", Op.get());
        try {
          RangeResponse lr = skv.withDeadlineAfter(10, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(RegisterWorkload.bs("k")).build());
          linearizable.complete(l, Result.read(lr.getKvs(0).getValue().toStringUtf8()));
        } catch (io.grpc.StatusRuntimeException e) {
          linearizable.discard(l); // no leader on its side: refused, never stale
        }
      } finally {
        w.shutdownNow();
        s.shutdownNow();
        cluster.network().heal();
      }
      Verdict caught = LinearizabilityChecker.check(serializable.operations());
      assertFalse(caught.isLinearizable(), "the checker missed a stale read:\n" + serializable.operations());
      assertEquals("k", caught.key());
      Verdict clean = LinearizabilityChecker.check(linearizable.operations());
      assertTrue(clean.isLinearizable(), clean.toString());
    }
  }

  private static void put(KVGrpc.KVBlockingStub kv, String key, String value, History... histories) {
    long[] handles = new long[histories.length];
    for (int i = 0; i < histories.length; i++) {
      handles[i] = histories[i].invoke("writer", key, Op.put(value));
    }
    kv.withDeadlineAfter(10, TimeUnit.SECONDS)
        .put(PutRequest.newBuilder().setKey(RegisterWorkload.bs(key)).setValue(RegisterWorkload.bs(value)).build());
    for (int i = 0; i < histories.length; i++) {
      histories[i].complete(handles[i], Result.ok());
    }
  }

  private static Set<Integer> others(int member) {
    Set<Integer> rest = new java.util.HashSet<>(Set.of(1, 2, 3));
    rest.remove(member);
    return rest;
  }
}
