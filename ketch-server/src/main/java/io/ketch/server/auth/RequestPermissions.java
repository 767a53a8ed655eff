package io.ketch.server.auth;

import com.google.protobuf.ByteString;
import io.ketch.api.EtcdError;
import io.ketch.api.authpb.Permission;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.raft.proto.InternalRequest;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The permission checks of a client's write, made by every member when it applies the request
 * (etcd's authApplierV3), against the auth state at that point of the log: a permission granted or
 * revoked is in force for exactly the writes after it, on every member.
 *
 * <ul>
 *   <li>Put: write on the key; read too with {@code prev_kv}; and write on every key already
 *       attached to its lease (whoever may not revoke the lease may not attach to it).
 *   <li>DeleteRange: write on the range; read too with {@code prev_kv}.
 *   <li>Txn: read on every compare's range, and every operation of both branches, nested txns
 *       included, as above (Range: read).
 *   <li>LeaseRevoke: write on every key attached to the lease. LeaseGrant: a user.
 *   <li>Compaction, alarms: root.
 * </ul>
 */
public final class RequestPermissions {
  private final AuthStore store;
  private final LongFunction<List<ByteString>> leaseKeys;

  /** @param leaseKeys the keys attached to a lease (null for an unknown lease) */
  public RequestPermissions(AuthStore store, LongFunction<List<ByteString>> leaseKeys) {
    this.store = store;
    this.leaseKeys = leaseKeys;
  }

  /** Refuses {@code r}, made by {@code user}, with etcd's error unless the user may make it. */
  public void check(String user, InternalRequest r) {
    if (!store.enabled()) {
      return;
    }
    EtcdError denied = switch (r.getRequestCase()) {
      case PUT -> put(user, r.getPut());
      case DELETE_RANGE -> delete(user, r.getDeleteRange());
      case TXN -> txn(user, r.getTxn());
      case LEASE_REVOKE -> lease(user, r.getLeaseRevoke().getID());
      case LEASE_GRANT -> store.checkUser(user);
      case COMPACTION, ALARM -> store.checkAdmin(user);
      default -> null; // auth requests check themselves; the rest never come from a client
    };
    if (denied != null) {
      throw new EtcdException(denied);
    }
  }

  private EtcdError put(String user, PutRequest p) {
    byte[] key = p.getKey().toByteArray();
    EtcdError e = store.checkKeys(user, key, new byte[0], Permission.Type.WRITE);
    if (e == null && p.getLease() != 0) {
      e = lease(user, p.getLease());
    }
    if (e == null && p.getPrevKv()) {
      e = store.checkKeys(user, key, new byte[0], Permission.Type.READ);
    }
    return e;
  }

  private EtcdError delete(String user, DeleteRangeRequest d) {
    byte[] key = d.getKey().toByteArray();
    byte[] end = d.getRangeEnd().toByteArray();
    EtcdError e = store.checkKeys(user, key, end, Permission.Type.WRITE);
    if (e == null && d.getPrevKv()) {
      e = store.checkKeys(user, key, end, Permission.Type.READ);
    }
    return e;
  }

  private EtcdError range(String user, RangeRequest r) {
    return store.checkKeys(user, r.getKey().toByteArray(), r.getRangeEnd().toByteArray(), Permission.Type.READ);
  }

  private EtcdError txn(String user, TxnRequest t) {
    for (Compare c : t.getCompareList()) {
      EtcdError e = store.checkKeys(user, c.getKey().toByteArray(), c.getRangeEnd().toByteArray(),
          Permission.Type.READ);
      if (e != null) {
        return e;
      }
    }
    for (List<RequestOp> branch : List.of(t.getSuccessList(), t.getFailureList())) {
      for (RequestOp op : branch) {
        EtcdError e = switch (op.getRequestCase()) {
          case REQUEST_RANGE -> range(user, op.getRequestRange());
          case REQUEST_PUT -> put(user, op.getRequestPut());
          case REQUEST_DELETE_RANGE -> delete(user, op.getRequestDeleteRange());
          case REQUEST_TXN -> txn(user, op.getRequestTxn());
          case REQUEST_NOT_SET -> null;
        };
        if (e != null) {
          return e;
        }
      }
    }
    return null;
  }

  private EtcdError lease(String user, long id) {
    EtcdError e = store.checkUser(user);
    List<ByteString> keys = leaseKeys.apply(id);
    for (ByteString k : keys == null ? List.<ByteString>of() : keys) { // null: no such lease (refused later)
      if (e != null) {
        return e;
      }
      e = store.checkKeys(user, k.toByteArray(), new byte[0], Permission.Type.WRITE);
    }
    return e;
  }

  /** The read check of a range or watch, for the services: null when permitted. */
  public EtcdError checkRead(String user, ByteString key, ByteString rangeEnd) {
    return store.checkKeys(user, key.toByteArray(), rangeEnd.toByteArray(), Permission.Type.READ);
  }

  /** Whether {@code user} may read {@code key} (to list a lease's keys). */
  public boolean mayRead(String user, ByteString key) {
    return store.checkKeys(user, key.toByteArray(), new byte[0], Permission.Type.READ) == null;
  }

  /**
   * The check of a lock or election named {@code name}, whose keys are {@code name/...}: read on
   * them, and write too when the call writes one (Lock, Campaign): null when permitted.
   */
  public EtcdError checkRecipe(String user, ByteString name, boolean write) {
    byte[] prefix = name.concat(ByteString.copyFromUtf8("/")).toByteArray();
    byte[] end = prefixEnd(prefix);
    EtcdError e = store.checkKeys(user, prefix, end, Permission.Type.READ);
    return e == null && write ? store.checkKeys(user, prefix, end, Permission.Type.WRITE) : e;
  }

  /** The check of a write to one key (Unlock, Proclaim, Resign): null when permitted. */
  public EtcdError checkWrite(String user, ByteString key) {
    return store.checkKeys(user, key.toByteArray(), new byte[0], Permission.Type.WRITE);
  }

  /** The end of the range of keys starting with {@code prefix} (etcd's GetPrefixRangeEnd). */
  private static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xff) {
        byte[] end = java.util.Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return new byte[] {0};
  }
}
