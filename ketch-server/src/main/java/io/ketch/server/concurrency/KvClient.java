package io.ketch.server.concurrency;

import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.DeleteRangeResponse;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import java.util.concurrent.CompletableFuture;

/**
 * What the server-side recipes need of the KV layer: etcd's KV calls answered exactly as a client
 * would see them (writes through Raft, linearizable reads, headers filled), failing with the error
 * a client would get.
 */
public interface KvClient {
  CompletableFuture<RangeResponse> range(RangeRequest r);

  CompletableFuture<TxnResponse> txn(TxnRequest t);

  CompletableFuture<DeleteRangeResponse> delete(DeleteRangeRequest d);

  /** A filled header at {@code revision}, for what a recipe heard rather than read. */
  ResponseHeader headerAt(long revision);
}
