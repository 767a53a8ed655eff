package io.ketch.server.apply;

import com.google.protobuf.ByteString;
import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmResponse;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.CompactionResponse;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.DeleteRangeResponse;
import io.ketch.api.etcdserverpb.LeaseCheckpoint;
import io.ketch.api.etcdserverpb.LeaseCheckpointRequest;
import io.ketch.api.etcdserverpb.LeaseCheckpointResponse;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrantResponse;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.api.etcdserverpb.LeaseRevokeResponse;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.PutResponse;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.ResponseOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.server.alarm.Alarms;
import io.ketch.server.alarm.QuotaCost;
import io.ketch.server.auth.AuthStore;
import io.ketch.server.auth.RequestPermissions;
import io.ketch.server.lease.Lessor;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.mvcc.MvccException;
import io.ketch.server.mvcc.RangeOptions;
import io.ketch.server.mvcc.RangeResult;
import io.ketch.server.mvcc.ReadView;
import io.ketch.server.raft.proto.AuthRequest;
import io.ketch.server.storage.Backend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Executes KV requests on the MVCC store with etcd's semantics (its applierV3backend): which
 * revision each response reports, which checks run in which order, and what a transaction sees.
 *
 * <p>Write methods run on the apply thread inside one Raft entry; {@link #range} and read-only
 * {@link #txn} also run on any thread against a {@link ReadView} of the published state.
 */
public final class Applier {
  private static final ResponseHeader EMPTY_HEADER = ResponseHeader.getDefaultInstance();

  private final KvStore kv;
  private final Lessor leases;
  private final Alarms alarms;
  private final AuthStore auth;
  private final RequestPermissions permissions;

  public Applier(KvStore kv, Lessor leases, Alarms alarms, AuthStore auth) {
    this.kv = kv;
    this.leases = leases;
    this.alarms = alarms;
    this.auth = auth;
    this.permissions = new RequestPermissions(auth, leases::keysOf);
  }

  /**
   * Replaces the backend's whole content ({@code replaceBackend}: a Raft snapshot from the leader)
   * and reloads the replicated state kept in memory: MVCC index, leases, alarms and auth. Apply
   * thread.
   */
  public void reload(Backend backend, KvStore.IoAction replaceBackend) throws java.io.IOException {
    kv.reload(() -> {
      replaceBackend.run();
      leases.reload();
      alarms.reload(backend);
      auth.reload(backend);
    });
  }

  /** The auth store this applier changes and checks writes against. */
  public AuthStore auth() {
    return auth;
  }

  /** The permission checks of client requests, at apply and in the services. */
  public RequestPermissions permissions() {
    return permissions;
  }

  /**
   * Applies an auth request made by {@code user}, in the log entry at {@code index}: etcd's checks first (root for management; a user
   * may get itself and its roles; anyone may authenticate and ask the status), then the change.
   */
  public com.google.protobuf.Message auth(Backend.Batch writes, AuthRequest r, String user, long index) {
    return auth.apply(writes, r, user, index);
  }

  /**
   * While a CORRUPT alarm is raised on any member, etcd refuses every request applied through the log
   * except alarms and lease checkpoints (reads served locally go on): the cluster must not build on
   * data that disagrees.
   */
  private void refuseIfCorrupt() {
    if (alarms.corrupt()) {
      throw new EtcdException(EtcdError.CORRUPT);
    }
  }

  /** The alarms this applier raises, clears and obeys. */
  public Alarms alarms() {
    return alarms;
  }

  /** A compaction's response and the completion of its backend deletion. */
  public record CompactionResult(CompactionResponse response, CompletableFuture<Void> physical) {}

  // ---- Range ----

  public RangeResponse range(ReadView rv, RangeRequest r) {
    long limit = r.getLimit();
    boolean filtered = r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
        || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
    if (r.getSortOrder() != RangeRequest.SortOrder.NONE || filtered) {
      limit = 0; // everything is fetched, then filtered, sorted and cut
    }
    if (limit > 0) {
      limit++; // one more to know whether there is more
    }
    RangeResult rr = rv.range(r.getKey().toByteArray(), KeyRange.end(r.getRangeEnd()),
        // keys only: the index answers without reading values, unless they are needed to sort by
        new RangeOptions(limit, r.getRevision(), r.getCountOnly(),
            r.getKeysOnly() && r.getSortTarget() != RangeRequest.SortTarget.VALUE));
    List<KeyValue> kvs = rr.kvs();
    if (filtered || r.getSortOrder() != RangeRequest.SortOrder.NONE
        || r.getSortTarget() != RangeRequest.SortTarget.KEY) {
      kvs = new ArrayList<>(kvs);
    }
    if (r.getMaxModRevision() != 0) {
      kvs.removeIf(x -> x.getModRevision() > r.getMaxModRevision());
    }
    if (r.getMinModRevision() != 0) {
      kvs.removeIf(x -> x.getModRevision() < r.getMinModRevision());
    }
    if (r.getMaxCreateRevision() != 0) {
      kvs.removeIf(x -> x.getCreateRevision() > r.getMaxCreateRevision());
    }
    if (r.getMinCreateRevision() != 0) {
      kvs.removeIf(x -> x.getCreateRevision() < r.getMinCreateRevision());
    }
    RangeRequest.SortOrder order = r.getSortOrder();
    if (r.getSortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      order = RangeRequest.SortOrder.ASCEND; // the store returns key order; other targets sort ascending
    }
    KvSort.sort(kvs, r.getSortTarget(), order);

    RangeResponse.Builder resp = RangeResponse.newBuilder();
    if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
      kvs = kvs.subList(0, (int) r.getLimit());
      resp.setMore(true);
    }
    resp.setHeader(ResponseHeader.newBuilder().setRevision(rr.rev())).setCount(rr.count());
    for (KeyValue x : kvs) {
      resp.addKvs(r.getKeysOnly() ? x.toBuilder().clearValue().build() : x);
    }
    return resp.build();
  }

  // ---- Put ----

  /** A Put outside a transaction. Apply thread only. */
  public PutResponse put(Backend.Batch batch, PutRequest p) {
    refuseIfCorrupt();
    if (alarms.capped()) {
      throw new EtcdException(EtcdError.NO_SPACE);
    }
    if (p.getLease() != 0 && !leases.exists(p.getLease())) {
      throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
    }
    return inOwnTxn(batch, txn -> put(txn, p));
  }

  private PutResponse put(KvStore.WriteTxn txn, PutRequest p) {
    PutResponse.Builder resp = PutResponse.newBuilder();
    ByteString value = p.getValue();
    long lease = p.getLease();
    KeyValue prev = null;
    if (p.getIgnoreValue() || p.getIgnoreLease() || p.getPrevKv()) {
      List<KeyValue> found = txn.range(p.getKey().toByteArray(), null, RangeOptions.ALL).kvs();
      prev = found.isEmpty() ? null : found.get(0);
    }
    if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) {
      throw new EtcdException(EtcdError.KEY_NOT_FOUND);
    }
    if (p.getIgnoreValue()) {
      value = prev.getValue();
    }
    if (p.getIgnoreLease()) {
      lease = prev.getLease();
    }
    if (p.getPrevKv() && prev != null) {
      resp.setPrevKv(prev);
    }
    txn.put(p.getKey().toByteArray(), value, lease);
    return resp.setHeader(ResponseHeader.newBuilder().setRevision(txn.nextRev())).build();
  }

  // ---- DeleteRange ----

  /** A DeleteRange outside a transaction. Apply thread only. */
  public DeleteRangeResponse deleteRange(Backend.Batch batch, DeleteRangeRequest d) {
    refuseIfCorrupt();
    return inOwnTxn(batch, txn -> deleteRange(txn, d));
  }

  private DeleteRangeResponse deleteRange(KvStore.WriteTxn txn, DeleteRangeRequest d) {
    DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
    byte[] key = d.getKey().toByteArray();
    byte[] end = KeyRange.end(d.getRangeEnd());
    if (d.getPrevKv()) {
      resp.addAllPrevKvs(txn.range(key, end, RangeOptions.ALL).kvs());
    }
    int n = txn.deleteRange(key, end).size();
    // the txn's revision: bumped if this or an earlier op of the txn changed something
    return resp.setDeleted(n).setHeader(ResponseHeader.newBuilder().setRevision(txn.rev())).build();
  }

  /** Runs a lone Put or DeleteRange as its own write transaction. */
  private <T> T inOwnTxn(Backend.Batch batch, java.util.function.Function<KvStore.WriteTxn, T> body) {
    KvStore.WriteTxn txn = kv.beginWrite(batch);
    try {
      return body.apply(txn);
    } finally {
      txn.end();
    }
  }

  // ---- Txn ----

  /** Whether every operation of {@code t}, nested ones included, is a Range. */
  public static boolean isReadOnly(TxnRequest t) {
    for (List<RequestOp> ops : List.of(t.getSuccessList(), t.getFailureList())) {
      for (RequestOp op : ops) {
        if (op.hasRequestPut() || op.hasRequestDeleteRange()) {
          return false;
        }
        if (op.hasRequestTxn() && !isReadOnly(op.getRequestTxn())) {
          return false;
        }
      }
    }
    return true;
  }

  /** A read-only transaction against a consistent view. Any thread. */
  public TxnResponse readTxn(ReadView rv, TxnRequest t) {
    List<Boolean> path = new ArrayList<>();
    comparePath(rv, t, path);
    checkRequests(rv, t, path, new int[] {0}, false);
    TxnResponse.Builder resp = applyTxn(rv, null, t, path, new int[] {0});
    return resp.setHeader(ResponseHeader.newBuilder().setRevision(rv.rev())).build();
  }

  /** A transaction that may write. Apply thread only. */
  public TxnResponse txn(Backend.Batch batch, TxnRequest t) {
    refuseIfCorrupt();
    if (alarms.capped() && QuotaCost.of(t) > 0) {
      throw new EtcdException(EtcdError.NO_SPACE);
    }
    KvStore.WriteTxn txn = kv.beginWrite(batch);
    List<Boolean> path = new ArrayList<>();
    comparePath(txn, t, path);
    checkRequests(txn, t, path, new int[] {0}, true);
    checkRequests(txn, t, path, new int[] {0}, false);
    TxnResponse.Builder resp = applyTxn(txn, txn, t, path, new int[] {0});
    long rev = txn.end();
    return resp.setHeader(ResponseHeader.newBuilder().setRevision(rev)).build();
  }

  /** Evaluates the compares of {@code t} and, depth first, of the nested txns on the taken branch. */
  private void comparePath(ReadView rv, TxnRequest t, List<Boolean> path) {
    boolean ok = true;
    for (Compare c : t.getCompareList()) {
      if (!compare(rv, c)) {
        ok = false;
        break;
      }
    }
    path.add(ok);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      if (op.hasRequestTxn()) {
        comparePath(rv, op.getRequestTxn(), path);
      }
    }
  }

  private boolean compare(ReadView rv, Compare c) {
    List<KeyValue> kvs;
    try {
      kvs = rv.range(c.getKey().toByteArray(), KeyRange.end(c.getRangeEnd()), RangeOptions.ALL).kvs();
    } catch (MvccException e) {
      return false;
    }
    if (kvs.isEmpty()) {
      // a missing key has no value to compare: a VALUE compare fails; others compare against zero
      return c.getTarget() != Compare.CompareTarget.VALUE && compareKv(c, KeyValue.getDefaultInstance());
    }
    for (KeyValue x : kvs) {
      if (!compareKv(c, x)) {
        return false;
      }
    }
    return true;
  }

  private static boolean compareKv(Compare c, KeyValue x) {
    int result;
    switch (c.getTarget()) {
      case VALUE -> {
        ByteString v = c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE ? c.getValue() : ByteString.EMPTY;
        result = ByteString.unsignedLexicographicalComparator().compare(x.getValue(), v);
      }
      case CREATE -> result = Long.compare(x.getCreateRevision(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0);
      case MOD -> result = Long.compare(x.getModRevision(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0);
      case VERSION -> result = Long.compare(x.getVersion(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
      case LEASE -> result = Long.compare(x.getLease(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.LEASE ? c.getLease() : 0);
      default -> result = 0;
    }
    return switch (c.getResult()) {
      case EQUAL -> result == 0;
      case NOT_EQUAL -> result != 0;
      case GREATER -> result > 0;
      case LESS -> result < 0;
      default -> true;
    };
  }

  /** etcd 3.4's pre-checks on the taken branches: the put checks, or the range checks. */
  private void checkRequests(ReadView rv, TxnRequest t, List<Boolean> path, int[] at, boolean puts) {
    boolean ok = path.get(at[0]++);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      if (op.hasRequestTxn()) {
        checkRequests(rv, op.getRequestTxn(), path, at, puts);
      } else if (puts && op.hasRequestPut()) {
        checkPut(rv, op.getRequestPut());
      } else if (!puts && op.hasRequestRange()) {
        checkRange(rv, op.getRequestRange());
      }
    }
  }

  private void checkPut(ReadView rv, PutRequest p) {
    if (p.getIgnoreValue() || p.getIgnoreLease()) {
      if (rv.range(p.getKey().toByteArray(), null, RangeOptions.ALL).kvs().isEmpty()) {
        throw new EtcdException(EtcdError.KEY_NOT_FOUND);
      }
    }
    if (p.getLease() != 0 && !leases.exists(p.getLease())) {
      throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
    }
  }

  private static void checkRange(ReadView rv, RangeRequest r) {
    if (r.getRevision() == 0) {
      return;
    }
    if (r.getRevision() > rv.rev()) {
      throw new MvccException(MvccException.Kind.FUTURE_REV);
    }
    if (r.getRevision() < rv.firstRev()) {
      throw new MvccException(MvccException.Kind.COMPACTED);
    }
  }

  /** Runs the taken branch; {@code txn} is null for a read-only transaction. */
  private TxnResponse.Builder applyTxn(ReadView rv, KvStore.WriteTxn txn, TxnRequest t, List<Boolean> path,
      int[] at) {
    boolean ok = path.get(at[0]++);
    TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(ok).setHeader(EMPTY_HEADER);
    for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
      ResponseOp.Builder r = ResponseOp.newBuilder();
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> r.setResponseRange(range(rv, op.getRequestRange()));
        case REQUEST_PUT -> r.setResponsePut(put(txn, op.getRequestPut()));
        case REQUEST_DELETE_RANGE -> r.setResponseDeleteRange(deleteRange(txn, op.getRequestDeleteRange()));
        case REQUEST_TXN -> r.setResponseTxn(applyTxn(rv, txn, op.getRequestTxn(), path, at));
        default -> throw new IllegalStateException("empty request op reached the applier");
      }
      resp.addResponses(r);
    }
    return resp;
  }

  // ---- Alarms ----

  /**
   * Raises, clears or lists alarms (see {@link Alarms#apply}). While a NOSPACE alarm is raised, as
   * etcd's capped applier: puts, transactions that would put and lease grants are refused with
   * "database space exceeded"; reads, deletes and compaction go on. Apply thread only.
   */
  public AlarmResponse alarm(Backend.Batch batch, AlarmRequest r) {
    return alarms.apply(batch, r);
  }

  // ---- Leases ----

  /** Grants a lease with the ID the proposer chose. Apply thread only. */
  public LeaseGrantResponse leaseGrant(Backend.Batch batch, LeaseGrantRequest r) {
    refuseIfCorrupt();
    if (alarms.capped()) {
      throw new EtcdException(EtcdError.NO_SPACE);
    }
    if (r.getID() == 0) {
      throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
    }
    if (r.getTTL() > Lessor.MAX_TTL) {
      throw new EtcdException(EtcdError.LEASE_TTL_TOO_LARGE);
    }
    if (leases.exists(r.getID())) {
      throw new EtcdException(EtcdError.LEASE_EXIST);
    }
    long ttl = leases.grant(batch, r.getID(), r.getTTL());
    return LeaseGrantResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(kv.appliedRevision()))
        .setID(r.getID())
        .setTTL(ttl)
        .build();
  }

  /**
   * Revokes a lease: its keys are deleted in one write transaction (one revision, one set of DELETE
   * events, in key order as etcd sorts them) and the lease is forgotten in the same batch. Apply
   * thread only.
   */
  public LeaseRevokeResponse leaseRevoke(Backend.Batch batch, LeaseRevokeRequest r) {
    refuseIfCorrupt();
    List<ByteString> keys = leases.keysOf(r.getID());
    if (keys == null) {
      throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
    }
    KvStore.WriteTxn txn = kv.beginWrite(batch);
    long rev;
    try {
      for (ByteString k : keys) {
        txn.deleteRange(k.toByteArray(), null);
      }
      leases.remove(batch, r.getID());
    } finally {
      rev = txn.end();
    }
    return LeaseRevokeResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(rev)).build();
  }

  /** Records the primary's remaining-TTL checkpoints. Apply thread only. */
  public LeaseCheckpointResponse leaseCheckpoint(Backend.Batch batch, LeaseCheckpointRequest r) {
    for (LeaseCheckpoint c : r.getCheckpointsList()) {
      leases.checkpoint(batch, c.getID(), c.getRemainingTTL());
    }
    return LeaseCheckpointResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(kv.appliedRevision()))
        .build();
  }

  // ---- Compaction ----

  /** Compacts the history. Apply thread only. */
  public CompactionResult compact(Backend.Batch batch, CompactionRequest c) {
    refuseIfCorrupt();
    CompletableFuture<Void> physical = kv.compact(c.getRevision(), batch);
    CompactionResponse resp = CompactionResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(kv.appliedRevision()))
        .build();
    return new CompactionResult(resp, physical);
  }
}
