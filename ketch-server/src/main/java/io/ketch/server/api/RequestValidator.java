package io.ketch.server.api;

import com.google.protobuf.ByteString;
import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.server.apply.EtcdException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks etcd makes on a KV request before it reaches Raft, in etcd's order, with etcd's errors.
 * A refused request changes nothing.
 */
final class RequestValidator {
  private static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();

  private final int maxTxnOps;

  RequestValidator(int maxTxnOps) {
    this.maxTxnOps = maxTxnOps;
  }

  void checkRange(RangeRequest r) {
    if (r.getKey().isEmpty()) {
      throw new EtcdException(EtcdError.EMPTY_KEY);
    }
  }

  /**
   * etcd 3.7's RangeStream pages by key, so it takes a range's checks and refuses orders other than
   * ascending key and the revision filters (etcd's codes and texts).
   */
  void checkRangeStream(RangeRequest r) {
    checkRange(r);
    boolean defaultOrder = r.getSortTarget() == RangeRequest.SortTarget.KEY
        && (r.getSortOrder() == RangeRequest.SortOrder.NONE || r.getSortOrder() == RangeRequest.SortOrder.ASCEND);
    if (!defaultOrder) {
      throw io.grpc.Status.UNIMPLEMENTED.withDescription("RangeStream does not support custom sort orders")
          .asRuntimeException();
    }
    if (r.getMinModRevision() != 0 || r.getMaxModRevision() != 0 || r.getMinCreateRevision() != 0
        || r.getMaxCreateRevision() != 0) {
      throw io.grpc.Status.UNIMPLEMENTED.withDescription("RangeStream does not support revision filters")
          .asRuntimeException();
    }
  }

  void checkPut(PutRequest r) {
    if (r.getKey().isEmpty()) {
      throw new EtcdException(EtcdError.EMPTY_KEY);
    }
    if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
      throw new EtcdException(EtcdError.VALUE_PROVIDED);
    }
    if (r.getIgnoreLease() && r.getLease() != 0) {
      throw new EtcdException(EtcdError.LEASE_PROVIDED);
    }
  }

  void checkDelete(DeleteRangeRequest r) {
    if (r.getKey().isEmpty()) {
      throw new EtcdException(EtcdError.EMPTY_KEY);
    }
  }

  /** Op counts, keys and nested txns, then the put/delete overlap rule on each branch. */
  void checkTxn(TxnRequest r) {
    checkTxnOps(r);
    checkIntervals(r.getSuccessList());
    checkIntervals(r.getFailureList());
  }

  private void checkTxnOps(TxnRequest r) {
    int ops = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
    if (ops > maxTxnOps) {
      throw new EtcdException(EtcdError.TOO_MANY_OPS);
    }
    for (Compare c : r.getCompareList()) {
      if (c.getKey().isEmpty()) {
        throw new EtcdException(EtcdError.EMPTY_KEY);
      }
    }
    for (RequestOp op : r.getSuccessList()) {
      checkOp(op);
    }
    for (RequestOp op : r.getFailureList()) {
      checkOp(op);
    }
  }

  private void checkOp(RequestOp op) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE -> checkRange(op.getRequestRange());
      case REQUEST_PUT -> checkPut(op.getRequestPut());
      case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
      case REQUEST_TXN -> checkTxnOps(op.getRequestTxn());
      default -> throw new EtcdException(EtcdError.KEY_NOT_FOUND); // an empty op, as etcd answers it
    }
  }

  /** A deleted range [begin, end); a single-key delete is [key, key + "\0"). */
  private record Interval(ByteString begin, ByteString end) {
    boolean contains(ByteString key) {
      return BYTES.compare(begin, key) <= 0 && BYTES.compare(key, end) < 0;
    }
  }

  private record Writes(Set<ByteString> puts, List<Interval> dels) {
    boolean deleted(ByteString key) {
      for (Interval i : dels) {
        if (i.contains(key)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * A key may be put at most once per branch and never inside a range the branch deletes; the then
   * and else branches of a nested txn are exclusive, so they may put the same key.
   */
  private static Writes checkIntervals(List<RequestOp> reqs) {
    List<Interval> dels = new ArrayList<>();
    for (RequestOp op : reqs) {
      if (op.hasRequestDeleteRange()) {
        DeleteRangeRequest d = op.getRequestDeleteRange();
        ByteString end = d.getRangeEnd().isEmpty() ? d.getKey().concat(ByteString.copyFrom(new byte[1])) : d.getRangeEnd();
        dels.add(new Interval(d.getKey(), end));
      }
    }
    Writes w = new Writes(new HashSet<>(), dels);
    for (RequestOp op : reqs) {
      if (!op.hasRequestTxn()) {
        continue;
      }
      Writes then = checkIntervals(op.getRequestTxn().getSuccessList());
      Writes otherwise = checkIntervals(op.getRequestTxn().getFailureList());
      for (ByteString k : then.puts()) {
        if (w.puts().contains(k) || w.deleted(k)) {
          throw new EtcdException(EtcdError.DUPLICATE_KEY);
        }
        w.puts().add(k);
      }
      for (ByteString k : otherwise.puts()) {
        if ((w.puts().contains(k) && !then.puts().contains(k)) || w.deleted(k)) {
          throw new EtcdException(EtcdError.DUPLICATE_KEY);
        }
        w.puts().add(k);
      }
      dels.addAll(then.dels());
      dels.addAll(otherwise.dels());
    }
    for (RequestOp op : reqs) {
      if (op.hasRequestPut()) {
        ByteString k = op.getRequestPut().getKey();
        if (w.puts().contains(k) || w.deleted(k)) {
          throw new EtcdException(EtcdError.DUPLICATE_KEY);
        }
        w.puts().add(k);
      }
    }
    return w;
  }
}
