package io.ketch.server.alarm;

import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;

/**
 * What a request may add to the backend, by etcd's rules: a put costs its key and value plus a fixed
 * overhead, a transaction the costlier of its two branches (nested transactions included, as etcd
 * 3.6 counts them), a lease grant a fixed overhead. A request that costs nothing is never refused
 * for space.
 */
public final class QuotaCost {
  private QuotaCost() {}

  /** etcd's kvOverhead. */
  static final int KV_OVERHEAD = 256;
  /** etcd's leaseOverhead. */
  public static final int LEASE_GRANT = 64;

  public static int of(PutRequest r) {
    return KV_OVERHEAD + r.getKey().size() + r.getValue().size();
  }

  public static int of(TxnRequest r) {
    int success = 0;
    for (RequestOp op : r.getSuccessList()) {
      success += of(op);
    }
    int failure = 0;
    for (RequestOp op : r.getFailureList()) {
      failure += of(op);
    }
    return Math.max(success, failure);
  }

  private static int of(RequestOp op) {
    return switch (op.getRequestCase()) {
      case REQUEST_PUT -> of(op.getRequestPut());
      case REQUEST_TXN -> of(op.getRequestTxn());
      default -> 0;
    };
  }
}
