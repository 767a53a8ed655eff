package io.ketch.server.api;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.CompactionResponse;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.DeleteRangeResponse;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.PutResponse;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.RangeStreamResponse;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.server.alarm.Quota;
import io.ketch.server.alarm.QuotaCost;
import io.ketch.server.apply.Applier;
import io.ketch.server.auth.Authorizer;
import io.ketch.server.auth.RequestPermissions;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.mvcc.MvccException;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.raft.proto.Requester;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * etcd's KV service. Writes go through Raft and answer once applied; linearizable reads wait on a
 * ReadIndex barrier, serializable reads are served from the local store at once. Handlers never
 * block: they complete from the apply and read paths.
 */
final class KvService extends KVGrpc.KVImplBase {
  private static final int ID_BYTES = 11;
  private final KvStore kv;
  private final Applier applier;
  private final RaftNode raft;
  private final RequestValidator validator;
  private final Headers headers;
  private final long maxRequestBytes;
  private final Executor reads;
  private final TransportLoops loops;
  private final Quota quota;
  private final RequestPermissions permissions;

  KvService(KvStore kv, Applier applier, RaftNode raft, Headers headers, int maxTxnOps, long maxRequestBytes,
      Executor reads, TransportLoops loops, Quota quota, RequestPermissions permissions) {
    this.permissions = permissions;
    this.loops = loops;
    this.quota = quota;
    this.kv = kv;
    this.applier = applier;
    this.raft = raft;
    this.validator = new RequestValidator(maxTxnOps);
    this.headers = headers;
    this.maxRequestBytes = maxRequestBytes;
    this.reads = reads;
  }

  @Override
  public void range(RangeRequest r, StreamObserver<RangeResponse> out) {
    if (!accepted(() -> validator.checkRange(r), out) || !permitted(r.getKey(), r.getRangeEnd(), out)) {
      return;
    }
    read(r.getSerializable(), () -> {
      RangeResponse resp = kv.read(rv -> applier.range(rv, r));
      return resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build();
    }, out);
  }

  /**
   * etcd 3.7's RangeStream: after the read barrier (unless serializable), the range in chunks at one
   * revision, sent as the client takes them ({@link RangeStreamer}).
   */
  @Override
  public void rangeStream(RangeRequest r, StreamObserver<RangeStreamResponse> out) {
    if (!accepted(() -> validator.checkRangeStream(r), out) || !permitted(r.getKey(), r.getRangeEnd(), out)) {
      return;
    }
    ServerCallStreamObserver<RangeStreamResponse> call = (ServerCallStreamObserver<RangeStreamResponse>) out;
    Executor executor = callerLoop();
    RangeStreamer streamer = new RangeStreamer(kv, applier, headers::fill, r, call, executor, maxRequestBytes);
    CompletableFuture<Void> barrier = r.getSerializable() ? CompletableFuture.completedFuture(null)
        : raft.readBarrier();
    barrier.whenComplete((v, err) -> {
      if (err != null) {
        out.onError(ErrorTable.toStatus(err));
      } else {
        streamer.resume();
      }
    });
  }

  @Override
  public void put(PutRequest r, StreamObserver<PutResponse> out) {
    Requester who = requester(); // on the calling thread: admission may finish on another
    admitted(QuotaCost.of(r), out, () -> {
      if (!accepted(() -> validator.checkPut(r), out)) {
        return;
      }
      write(InternalRequest.newBuilder().setPut(r).setRequester(who), (PutResponse resp) ->
          resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    });
  }

  @Override
  public void deleteRange(DeleteRangeRequest r, StreamObserver<DeleteRangeResponse> out) {
    if (!accepted(() -> validator.checkDelete(r), out)) {
      return;
    }
    write(InternalRequest.newBuilder().setDeleteRange(r).setRequester(requester()), (DeleteRangeResponse resp) ->
        resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
  }

  @Override
  public void txn(TxnRequest r, StreamObserver<TxnResponse> out) {
    Requester who = requester(); // on the calling thread: admission may finish on another
    admitted(QuotaCost.of(r), out, () -> {
      if (!accepted(() -> validator.checkTxn(r), out)) {
        return;
      }
      if (Applier.isReadOnly(r)) {
        if (!accepted(() -> permissions.check(who.getUser(), InternalRequest.newBuilder().setTxn(r).build()), out)) {
          return;
        }
        read(isSerializable(r), () -> {
          TxnResponse resp = kv.read(rv -> applier.readTxn(rv, r));
          return resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build();
        }, out);
        return;
      }
      write(InternalRequest.newBuilder().setTxn(r).setRequester(who), (TxnResponse resp) ->
          resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    });
  }

  /**
   * Runs {@code then} if the space quota admits a request of {@code cost} bytes, else answers
   * etcd's NOSPACE error. As in etcd, the quota is checked before the request is validated.
   */
  private <T> void admitted(int cost, StreamObserver<T> out, Runnable then) {
    CompletableFuture<Void> ok = quota.admit(cost);
    if (ok.isDone() && !ok.isCompletedExceptionally()) {
      then.run(); // the usual case, on this thread
      return;
    }
    ok.whenComplete((v, err) -> {
      if (err != null) {
        Replies.reply(null, err, out);
      } else {
        then.run();
      }
    });
  }

  @Override
  public void compact(CompactionRequest r, StreamObserver<CompactionResponse> out) {
    CompletableFuture<Object> applied = raft.propose(InternalRequest.newBuilder().setCompaction(r)
        .setRequester(requester()));
    applied.thenComposeAsync(o -> {
      Applier.CompactionResult c = (Applier.CompactionResult) o;
      CompactionResponse resp = c.response().toBuilder().setHeader(headers.fill(c.response().getHeader())).build();
      return r.getPhysical() ? c.physical().thenApply(v -> resp) : CompletableFuture.completedFuture(resp);
    }, callerLoop()).exceptionallyCompose(err -> refusedPhysically(r, err))
        .whenComplete((resp, err) -> Replies.reply(resp, err, out));
  }

  /**
   * etcd answers a physical compaction refused as already compacted only once the compactions before
   * it have finished deleting (its compaction barrier), so a client can wait for them that way.
   */
  private CompletableFuture<CompactionResponse> refusedPhysically(CompactionRequest r, Throwable err) {
    Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    if (r.getPhysical() && cause instanceof MvccException m && m.kind() == MvccException.Kind.COMPACTED) {
      return kv.compactionBarrier().thenCompose(v -> CompletableFuture.failedFuture(cause));
    }
    return CompletableFuture.failedFuture(cause);
  }

  /** The caller, as a write carries it into the log (each member checks its permissions at apply). */
  static Requester requester() {
    return Requester.newBuilder().setUser(Authorizer.caller()).build();
  }

  /** Whether the caller may read the range; if not, the call is answered with etcd's error. */
  private boolean permitted(ByteString key, ByteString rangeEnd, StreamObserver<?> out) {
    EtcdError denied = permissions.checkRead(Authorizer.caller(), key, rangeEnd);
    if (denied != null) {
      out.onError(denied.exception());
      return false;
    }
    return true;
  }

  /** Runs etcd's pre-checks; a refused request is answered with etcd's error and goes no further. */
  private static boolean accepted(Runnable check, StreamObserver<?> out) {
    try {
      check.run();
      return true;
    } catch (RuntimeException e) {
      out.onError(ErrorTable.toStatus(e));
      return false;
    }
  }

  /** A read-only txn is serializable only if every range in it is. */
  private static boolean isSerializable(TxnRequest t) {
    for (var ops : java.util.List.of(t.getSuccessList(), t.getFailureList())) {
      for (RequestOp op : ops) {
        if (op.hasRequestRange() && !op.getRequestRange().getSerializable()) {
          return false;
        }
        if (op.hasRequestTxn() && !isSerializable(op.getRequestTxn())) {
          return false;
        }
      }
    }
    return true;
  }

  private <T> void read(boolean serializable, Supplier<T> body, StreamObserver<T> out) {
    if (serializable) {
      T resp;
      try {
        resp = body.get();
      } catch (RuntimeException e) {
        out.onError(ErrorTable.toStatus(e));
        return;
      }
      out.onNext(resp);
      out.onCompleted();
      return;
    }
    raft.readBarrier()
        .thenApplyAsync(v -> body.get(), callerLoop())
        .whenComplete((resp, err) -> Replies.reply(resp, err, out));
  }

  @SuppressWarnings("unchecked")
  private <R, T> void write(InternalRequest.Builder request, Function<R, T> finish, StreamObserver<T> out) {
    // etcd measures the whole proposal; ours is the request plus its id (tag and varint, <= 11 bytes)
    if (request.build().getSerializedSize() + ID_BYTES > maxRequestBytes) {
      out.onError(EtcdError.REQUEST_TOO_LARGE.exception());
      return;
    }
    // Writes answer on the apply thread: grpc coalesces their flushes per connection, which costs
    // less CPU per put than handing each response to its event loop (measured).
    raft.propose(request).whenComplete((o, err) -> {
      if (err != null) {
        Replies.reply(null, err, out);
        return;
      }
      T resp;
      try {
        resp = finish.apply((R) o);
      } catch (RuntimeException e) {
        Replies.reply(null, e, out);
        return;
      }
      Replies.reply(resp, null, out);
    });
  }

  /**
   * The transport event loop this call arrived on (handlers run on it): a linearizable read runs
   * there once its ReadIndex round is done, so its response is written on its connection's thread.
   * Falls back to the read pool when called from elsewhere.
   */
  private Executor callerLoop() {
    return loops.current(reads);
  }
}
