package io.ketch.server.alarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmType;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** etcd's request costs, and the quota's decision and alarm. */
class QuotaTest {
  private static PutRequest put(int keyBytes, int valueBytes) {
    return PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[keyBytes]))
        .setValue(ByteString.copyFrom(new byte[valueBytes])).build();
  }

  @Test
  void costsAreEtcds() {
    assertEquals(256 + 3 + 10, QuotaCost.of(put(3, 10)));
    TxnRequest nested = TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(put(1, 1)))
        .addFailure(RequestOp.newBuilder().setRequestPut(put(1, 100)))
        .build();
    TxnRequest t = TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(put(1, 1)))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(nested))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.getDefaultInstance()))
        .build();
    // success: 258 + the nested txn's costlier branch (357); failure: a range costs nothing
    assertEquals(258 + 357, QuotaCost.of(t));
    assertEquals(0, QuotaCost.of(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.getDefaultInstance())).build()));
    assertEquals(64, QuotaCost.LEASE_GRANT);
  }

  @Test
  void aRequestThatWouldReachTheQuotaRaisesNoSpaceAndFails() throws Exception {
    List<AlarmRequest> raised = new ArrayList<>();
    long[] size = {1000};
    Quota q = new Quota(2000, 1 << 30, () -> size[0], 42, r -> {
      raised.add(r);
      return CompletableFuture.completedFuture(null);
    });
    assertTrue(q.admit(999).isDone() && !q.admit(999).isCompletedExceptionally());
    assertTrue(raised.isEmpty());
    CompletableFuture<Void> refused = q.admit(1000); // 1000 + 1000 is not below 2000
    try {
      refused.get();
      throw new AssertionError("admitted");
    } catch (ExecutionException e) {
      assertEquals(EtcdError.NO_SPACE.description(), ((StatusRuntimeException) e.getCause()).getStatus().getDescription());
    }
    assertEquals(List.of(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(42)
        .setAlarm(AlarmType.NOSPACE).build()), raised);
    assertFalse(q.admit(0).isCompletedExceptionally(), "a request that costs nothing always passes");
  }

  @Test
  void aNegativeQuotaIsNoQuotaAndZeroIsTheDefault() {
    long[] size = {5L << 30};
    Quota off = new Quota(-1, 2L << 30, () -> size[0], 1, r -> CompletableFuture.failedFuture(new AssertionError()));
    assertFalse(off.admit(1 << 20).isCompletedExceptionally());
    size[0] = 100;
    Quota dflt = new Quota(0, 1000, () -> size[0], 1, r -> CompletableFuture.completedFuture(null));
    assertFalse(dflt.admit(800).isCompletedExceptionally());
    assertTrue(dflt.admit(900).isCompletedExceptionally());
  }
}
