package io.ketch.client.options;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import java.util.List;

/** One operation of a transaction: a get, put, delete or nested transaction. Immutable. */
public final class Op {
  private final RequestOp request;

  private Op(RequestOp request) {
    this.request = request;
  }

  /** A get of {@code key} with {@code option}. */
  public static Op get(ByteString key, GetOption option) {
    return new Op(RequestOp.newBuilder().setRequestRange(option.toRequest(key)).build());
  }

  /** A put of {@code value} at {@code key} with {@code option}. */
  public static Op put(ByteString key, ByteString value, PutOption option) {
    return new Op(RequestOp.newBuilder().setRequestPut(option.toRequest(key, value)).build());
  }

  /** A delete of {@code key} with {@code option}. */
  public static Op delete(ByteString key, DeleteOption option) {
    return new Op(RequestOp.newBuilder().setRequestDeleteRange(option.toRequest(key)).build());
  }

  /** A nested transaction: {@code then} if every compare holds, else {@code orElse}. */
  public static Op txn(List<Cmp> compares, List<Op> then, List<Op> orElse) {
    return new Op(RequestOp.newBuilder().setRequestTxn(txnRequest(compares, then, orElse)).build());
  }

  /** The transaction request made of these compares and operations. */
  public static TxnRequest txnRequest(List<Cmp> compares, List<Op> then, List<Op> orElse) {
    TxnRequest.Builder b = TxnRequest.newBuilder();
    compares.forEach(c -> b.addCompare(c.toCompare()));
    then.forEach(o -> b.addSuccess(o.request));
    orElse.forEach(o -> b.addFailure(o.request));
    return b.build();
  }

  /** The wire form. */
  public RequestOp toRequestOp() {
    return request;
  }
}
