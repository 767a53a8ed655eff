package io.ketch.server.api;

import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.DeleteRangeResponse;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.server.apply.Applier;
import io.ketch.server.concurrency.KvClient;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.raft.proto.InternalRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The KV calls of this member for the server-side recipes, on the same paths as client calls:
 * writes proposed through Raft, reads after a ReadIndex barrier, headers filled.
 */
final class LocalKvClient implements KvClient {
  private final KvStore kv;
  private final Applier applier;
  private final RaftNode raft;
  private final Headers headers;
  private final Executor reads;

  LocalKvClient(KvStore kv, Applier applier, RaftNode raft, Headers headers, Executor reads) {
    this.kv = kv;
    this.applier = applier;
    this.raft = raft;
    this.headers = headers;
    this.reads = reads;
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest r) {
    return raft.readBarrier().thenApplyAsync(v -> {
      RangeResponse resp = kv.read(rv -> applier.range(rv, r));
      return resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build();
    }, reads);
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest t) {
    return raft.propose(InternalRequest.newBuilder().setTxn(t)).thenApply(o -> {
      TxnResponse resp = (TxnResponse) o;
      return resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build();
    });
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> delete(DeleteRangeRequest d) {
    return raft.propose(InternalRequest.newBuilder().setDeleteRange(d)).thenApply(o -> {
      DeleteRangeResponse resp = (DeleteRangeResponse) o;
      return resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build();
    });
  }

  @Override
  public ResponseHeader headerAt(long revision) {
    return headers.of(revision);
  }
}
