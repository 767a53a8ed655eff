package io.ketch.server.concurrency;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import java.util.concurrent.CompletableFuture;

/** The etcd requests the recipes are made of, as clientv3's concurrency package builds them. */
final class Ops {
  private Ops() {}

  /** etcd's prefix range end: the prefix with its last byte below 0xff incremented ("\0" if none). */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    for (int i = b.length - 1; i >= 0; i--) {
      if ((b[i] & 0xff) < 0xff) {
        b[i]++;
        return ByteString.copyFrom(b, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[1]);
  }

  /** {@code name + "/" + lease in lower-case hex}: a session's key under a lock or election. */
  static ByteString sessionKey(ByteString name, long lease) {
    return name.concat(ByteString.copyFromUtf8("/" + Long.toHexString(lease)));
  }

  /**
   * Ketch's refusal of a lock or campaign without a lease (etcd would lend a 60 s lease that nobody
   * renews), naming what needs one and the request field, e.g. ("a lock", "LockRequest.lease").
   */
  static <T> CompletableFuture<T> leaseRequired(String what, String field) {
    return CompletableFuture.failedFuture(Status.INVALID_ARGUMENT
        .withDescription("ketch: " + what + " needs a lease: grant one, keep it alive, and pass its ID (" + field + ")")
        .asRuntimeException());
  }

  static ByteString prefixOf(ByteString name) {
    return name.concat(ByteString.copyFromUtf8("/"));
  }

  static Compare createRevisionIs(ByteString key, long rev) {
    return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(rev).build();
  }

  static RequestOp put(ByteString key, ByteString value, long lease) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease))
        .build();
  }

  static RequestOp get(ByteString key) {
    return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)).build();
  }

  static RequestOp get(RangeRequest r) {
    return RequestOp.newBuilder().setRequestRange(r).build();
  }

  static RequestOp delete(ByteString key) {
    return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)).build();
  }

  /** clientv3's WithFirstCreate: the key under {@code prefix} created first. */
  static RangeRequest firstCreated(ByteString prefix) {
    return top(prefix, RangeRequest.SortOrder.ASCEND).build();
  }

  /** clientv3's WithLastCreate + WithMaxCreateRev: the newest key under {@code prefix} created at or before {@code maxCreateRev}. */
  static RangeRequest lastCreatedUpTo(ByteString prefix, long maxCreateRev) {
    return top(prefix, RangeRequest.SortOrder.DESCEND).setMaxCreateRevision(maxCreateRev).build();
  }

  private static RangeRequest.Builder top(ByteString prefix, RangeRequest.SortOrder order) {
    return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
        .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(order).setLimit(1);
  }
}
