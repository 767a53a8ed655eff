package io.ketch.client.impl;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.CompactionResponse;
import io.ketch.api.etcdserverpb.DeleteRangeResponse;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutResponse;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.client.KV;
import io.ketch.client.Txn;
import io.ketch.client.options.Cmp;
import io.ketch.client.options.DeleteOption;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.Op;
import io.ketch.client.options.PutOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** {@link KV} over a {@link Connection}. */
public final class KvImpl implements KV {
  private final Connection conn;
  private final Duration timeout;

  /** The service over {@code conn}, each call with deadline {@code timeout} (null: none). */
  public KvImpl(Connection conn, Duration timeout) {
    this.conn = conn;
    this.timeout = timeout;
  }

  @Override
  public CompletableFuture<RangeResponse> get(ByteString key, GetOption option) {
    Namespace ns = conn.namespace();
    return ns.out(conn.call(KVGrpc.getRangeMethod(), ns.in(option.toRequest(key)), Connection.Retry.REPEATABLE, timeout),
        ns::out);
  }

  @Override
  public CompletableFuture<PutResponse> put(ByteString key, ByteString value, PutOption option) {
    Namespace ns = conn.namespace();
    return ns.out(conn.call(KVGrpc.getPutMethod(), ns.in(option.toRequest(key, value)), Connection.Retry.ONCE, timeout),
        ns::out);
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> delete(ByteString key, DeleteOption option) {
    Namespace ns = conn.namespace();
    return ns.out(conn.call(KVGrpc.getDeleteRangeMethod(), ns.in(option.toRequest(key)), Connection.Retry.ONCE, timeout),
        ns::out);
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(long revision, boolean physical) {
    CompactionRequest req = CompactionRequest.newBuilder().setRevision(revision).setPhysical(physical).build();
    return conn.call(KVGrpc.getCompactMethod(), req, Connection.Retry.ONCE, timeout);
  }

  /** Sends a built transaction request. */
  CompletableFuture<TxnResponse> txn(TxnRequest request) {
    Namespace ns = conn.namespace();
    return ns.out(conn.call(KVGrpc.getTxnMethod(), ns.in(request), Connection.Retry.ONCE, timeout), ns::out);
  }

  @Override
  public Txn txn() {
    return new Txn() {
      private final List<Cmp> compares = new ArrayList<>();
      private final List<Op> then = new ArrayList<>();
      private final List<Op> orElse = new ArrayList<>();

      @Override
      public Txn If(Cmp... cmps) {
        compares.addAll(Arrays.asList(cmps));
        return this;
      }

      @Override
      public Txn then(Op... ops) {
        then.addAll(Arrays.asList(ops));
        return this;
      }

      @Override
      public Txn orElse(Op... ops) {
        orElse.addAll(Arrays.asList(ops));
        return this;
      }

      @Override
      public CompletableFuture<TxnResponse> commit() {
        return txn(Op.txnRequest(compares, then, orElse));
      }
    };
  }

  @Override
  public KV withTimeout(Duration timeout) {
    return new KvImpl(conn, timeout);
  }
}
