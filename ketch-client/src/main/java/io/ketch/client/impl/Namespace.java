package io.ketch.client.impl;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.DeleteRangeResponse;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.PutResponse;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.ResponseOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.client.options.KeyRange;

/**
 * A key prefix the client lives under, as clientv3's {@code namespace} package: keys and range
 * ends are prefixed in requests and the prefix is removed from keys in responses, so the
 * application sees its own key space. The empty namespace changes nothing.
 */
public final class Namespace {
  private final ByteString prefix;

  /** The namespace of keys starting with {@code prefix}. */
  public Namespace(ByteString prefix) {
    this.prefix = prefix;
  }

  /**
   * {@code f} with its response mapped out of the namespace; {@code f} itself when the namespace
   * is empty (no extra stage on the hot path).
   */
  public <R> java.util.concurrent.CompletableFuture<R> out(java.util.concurrent.CompletableFuture<R> f,
      java.util.function.UnaryOperator<R> map) {
    return prefix.isEmpty() ? f : f.thenApply(map);
  }

  /** Whether this is the empty namespace. */
  public boolean isEmpty() {
    return prefix.isEmpty();
  }

  /** A key as the server knows it. */
  public ByteString key(ByteString key) {
    return prefix.isEmpty() ? key : prefix.concat(key);
  }

  /** A range end as the server knows it: "no upper bound" becomes the end of the namespace. */
  public ByteString rangeEnd(ByteString end) {
    if (prefix.isEmpty() || end.isEmpty()) {
      return end;
    }
    if (end.equals(KeyRange.FROM_KEY_END)) {
      return KeyRange.prefixEnd(prefix);
    }
    return prefix.concat(end);
  }

  /** A key as the application knows it (keys outside the namespace are left alone). */
  public ByteString strip(ByteString key) {
    return !prefix.isEmpty() && key.startsWith(prefix) ? key.substring(prefix.size()) : key;
  }

  /** The request as the server must see it (keys and range ends prefixed). */
  public RangeRequest in(RangeRequest r) {
    return prefix.isEmpty() ? r : r.toBuilder().setKey(key(r.getKey())).setRangeEnd(rangeEnd(r.getRangeEnd())).build();
  }

  /** The request as the server must see it (keys and range ends prefixed). */
  public PutRequest in(PutRequest r) {
    return prefix.isEmpty() ? r : r.toBuilder().setKey(key(r.getKey())).build();
  }

  /** The request as the server must see it (keys and range ends prefixed). */
  public DeleteRangeRequest in(DeleteRangeRequest r) {
    return prefix.isEmpty() ? r : r.toBuilder().setKey(key(r.getKey())).setRangeEnd(rangeEnd(r.getRangeEnd())).build();
  }

  /** The request as the server must see it (keys and range ends prefixed). */
  public WatchCreateRequest in(WatchCreateRequest r) {
    return prefix.isEmpty() ? r : r.toBuilder().setKey(key(r.getKey())).setRangeEnd(rangeEnd(r.getRangeEnd())).build();
  }

  /** The request as the server must see it (keys and range ends prefixed). */
  public TxnRequest in(TxnRequest r) {
    if (prefix.isEmpty()) {
      return r;
    }
    TxnRequest.Builder b = TxnRequest.newBuilder();
    for (Compare c : r.getCompareList()) {
      b.addCompare(c.toBuilder().setKey(key(c.getKey())).setRangeEnd(rangeEnd(c.getRangeEnd())));
    }
    r.getSuccessList().forEach(op -> b.addSuccess(in(op)));
    r.getFailureList().forEach(op -> b.addFailure(in(op)));
    return b.build();
  }

  private RequestOp in(RequestOp op) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE:
        return RequestOp.newBuilder().setRequestRange(in(op.getRequestRange())).build();
      case REQUEST_PUT:
        return RequestOp.newBuilder().setRequestPut(in(op.getRequestPut())).build();
      case REQUEST_DELETE_RANGE:
        return RequestOp.newBuilder().setRequestDeleteRange(in(op.getRequestDeleteRange())).build();
      case REQUEST_TXN:
        return RequestOp.newBuilder().setRequestTxn(in(op.getRequestTxn())).build();
      default:
        return op;
    }
  }

  /** The response as the application must see it (the prefix removed from keys). */
  public KeyValue out(KeyValue kv) {
    return prefix.isEmpty() ? kv : kv.toBuilder().setKey(strip(kv.getKey())).build();
  }

  /** The response as the application must see it (the prefix removed from keys). */
  public RangeResponse out(RangeResponse r) {
    if (prefix.isEmpty() || r.getKvsCount() == 0) {
      return r;
    }
    RangeResponse.Builder b = r.toBuilder().clearKvs();
    r.getKvsList().forEach(kv -> b.addKvs(out(kv)));
    return b.build();
  }

  /** The response as the application must see it (the prefix removed from keys). */
  public PutResponse out(PutResponse r) {
    return prefix.isEmpty() || !r.hasPrevKv() ? r : r.toBuilder().setPrevKv(out(r.getPrevKv())).build();
  }

  /** The response as the application must see it (the prefix removed from keys). */
  public DeleteRangeResponse out(DeleteRangeResponse r) {
    if (prefix.isEmpty() || r.getPrevKvsCount() == 0) {
      return r;
    }
    DeleteRangeResponse.Builder b = r.toBuilder().clearPrevKvs();
    r.getPrevKvsList().forEach(kv -> b.addPrevKvs(out(kv)));
    return b.build();
  }

  /** The response as the application must see it (the prefix removed from keys). */
  public TxnResponse out(TxnResponse r) {
    if (prefix.isEmpty()) {
      return r;
    }
    TxnResponse.Builder b = r.toBuilder().clearResponses();
    for (ResponseOp op : r.getResponsesList()) {
      switch (op.getResponseCase()) {
        case RESPONSE_RANGE:
          b.addResponses(ResponseOp.newBuilder().setResponseRange(out(op.getResponseRange())));
          break;
        case RESPONSE_PUT:
          b.addResponses(ResponseOp.newBuilder().setResponsePut(out(op.getResponsePut())));
          break;
        case RESPONSE_DELETE_RANGE:
          b.addResponses(ResponseOp.newBuilder().setResponseDeleteRange(out(op.getResponseDeleteRange())));
          break;
        case RESPONSE_TXN:
          b.addResponses(ResponseOp.newBuilder().setResponseTxn(out(op.getResponseTxn())));
          break;
        default:
          b.addResponses(op);
      }
    }
    return b.build();
  }

  /** The response as the application must see it (the prefix removed from keys). */
  public WatchResponse out(WatchResponse r) {
    if (prefix.isEmpty() || r.getEventsCount() == 0) {
      return r;
    }
    WatchResponse.Builder b = r.toBuilder().clearEvents();
    for (Event e : r.getEventsList()) {
      Event.Builder eb = e.toBuilder().setKv(out(e.getKv()));
      if (e.hasPrevKv()) {
        eb.setPrevKv(out(e.getPrevKv()));
      }
      b.addEvents(eb);
    }
    return b.build();
  }
}
