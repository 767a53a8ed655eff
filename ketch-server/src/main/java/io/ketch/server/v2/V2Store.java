package io.ketch.server.v2;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * etcd's v2 store (its v2store package: Get, Set, Create, Update, CompareAndSwap, Delete,
 * CompareAndDelete and TTL expiry, with the same checks in the same order and the same error causes
 * and indexes) kept in the v3 key space ({@link V2Keyspace}).
 *
 * <p>Each operation reads what it needs in one read-only transaction (the event key, the node, its
 * ancestors and, where a directory matters, the nodes below), decides as etcd's store decides, and
 * commits the change in one transaction guarded by the event key's mod revision: a v2 write made by
 * any member in between fails the guard and the operation is decided again on fresh state. So v2
 * writes are ordered through the Raft log like any other write and every member agrees on the tree;
 * the store index is the event key's version, one per v2 write, as etcd's index counts v2 writes.
 *
 * <p>Blocking: call from a thread that may wait (the v2 API's own executors).
 */
final class V2Store {
  /** How many times a write is decided again after other v2 writes got in first. */
  private static final int MAX_ATTEMPTS = 64;

  /** The v3 calls the store makes (as a trusted internal caller: v3 auth does not guard the v2 API, as in etcd). */
  interface Kv {
    TxnResponse txn(TxnRequest request);

    RangeResponse range(RangeRequest request);
  }

  /** A write's outcome: the event and whether the node was created (answered 201). */
  record Written(V2Event event, boolean created) {}

  /** A read's outcome: the node with what is listed under it, and the store index it was read at. */
  record Read(V2Json.Tree tree, long index) {}

  /** What one v2 write asks for (etcd's v2 Request, after parsing). */
  record Write(String method, String path, String value, boolean dir, String prevValue, long prevIndex,
      Boolean prevExist, boolean recursive, long expireNanos, boolean refresh) {}

  private final Kv kv;
  private final java.util.function.LongSupplier clock;

  V2Store(Kv kv, java.util.function.LongSupplier nanoClock) {
    this.kv = kv;
    this.clock = nanoClock;
  }

  // ---- reads ----

  /** The node at {@code path} (etcd's Get): a directory lists its children, all levels if {@code recursive}. */
  Read get(String path, boolean recursive, boolean sorted) {
    State s = read(path, true);
    V2Node n = s.walk(path);
    return new Read(s.tree(n, recursive, sorted, true), s.index);
  }

  /** The store index at one v3 revision. */
  record At(long index, long revision) {}

  /** The current store index and the v3 revision it was read at. */
  At index() {
    State s = read(V2Path.ROOT, false);
    return new At(s.index, s.revision);
  }

  /**
   * The first v3 revision at or after which the store index is at least {@code index} (a binary
   * search over the event key's history, at most {@code upTo}); {@code -1} if that history is compacted.
   */
  long revisionOf(long index, long upTo) {
    long lo = 1;
    long hi = upTo;
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      RangeResponse r;
      try {
        r = kv.range(RangeRequest.newBuilder().setKey(V2Keyspace.EVENT).setRevision(mid).setKeysOnly(true)
            .setSerializable(true).build());
      } catch (io.grpc.StatusRuntimeException e) {
        if (e.getStatus().getCode() == io.grpc.Status.Code.OUT_OF_RANGE) {
          return -1; // compacted
        }
        throw e;
      }
      long version = r.getKvsCount() == 0 ? 0 : r.getKvs(0).getVersion();
      if (version >= index) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  // ---- writes ----

  Written write(Write w) {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      String path = V2Path.clean(w.path());
      boolean needsBelow = w.method().equals("DELETE");
      State s = read(path, needsBelow);
      Plan plan = new Plan();
      Written out;
      try {
        out = decide(w, path, s, plan);
      } catch (Conflict c) {
        continue;
      }
      if (commit(s, plan, out.event())) {
        return out;
      }
    }
    throw new V2Error(V2Error.RAFT_INTERNAL, "too many conflicting v2 writes", 0);
  }

  /**
   * Removes the node at {@code path} if it expired at or before {@code cutoffNanos} (etcd's
   * DeleteExpiredKeys for one node), or drops a TTL entry that no longer matches its node. Returns
   * whether anything changed.
   */
  boolean expire(String path, long entryExpireNanos, long cutoffNanos) {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      State s = read(path, true);
      V2Node n = s.nodes.get(path);
      Plan plan = new Plan();
      if (n == null || n.permanent() || n.expireNanos() > cutoffNanos || n.expireNanos() != entryExpireNanos) {
        // a stale entry: the node went or its TTL changed since
        kv.txn(TxnRequest.newBuilder().addSuccess(delete(V2Keyspace.ttl(entryExpireNanos, path))).build());
        return false;
      }
      long next = s.index + 1;
      V2Node eventNode = new V2Node(path, n.dir(), null, n.createdIndex(), next, 0);
      plan.removeTree(n);
      V2Event e = V2Event.of(next, "expire", eventNode, n, false, clock.getAsLong());
      if (commit(s, plan, e)) {
        return true;
      }
    }
    throw new V2Error(V2Error.RAFT_INTERNAL, "too many conflicting v2 writes", 0);
  }

  private Written decide(Write w, String path, State s, Plan plan) {
    switch (w.method()) {
      case "POST":
        return create(path, w.dir(), w.value(), true, w.expireNanos(), s, plan);
      case "DELETE":
        if (w.prevIndex() > 0 || !w.prevValue().isEmpty()) {
          return compareAndDelete(path, w.prevValue(), w.prevIndex(), s, plan);
        }
        return delete(path, w.dir(), w.recursive(), s, plan);
      default: // PUT
        if (w.prevExist() != null) {
          if (w.prevExist()) {
            if (w.prevIndex() == 0 && w.prevValue().isEmpty()) {
              return update(path, w.value(), w.expireNanos(), w.refresh(), s, plan);
            }
            return compareAndSwap(path, w.prevValue(), w.prevIndex(), w.value(), w.expireNanos(), w.refresh(), s, plan);
          }
          return create(path, w.dir(), w.value(), false, w.expireNanos(), s, plan);
        }
        if (w.prevIndex() > 0 || !w.prevValue().isEmpty()) {
          return compareAndSwap(path, w.prevValue(), w.prevIndex(), w.value(), w.expireNanos(), w.refresh(), s, plan);
        }
        return set(path, w.dir(), w.value(), w.expireNanos(), w.refresh(), s, plan);
    }
  }

  private Written set(String path, boolean dir, String value, long expire, boolean refresh, State s, Plan plan) {
    V2Node prev = null;
    try {
      prev = s.walk(path);
    } catch (V2Error e) {
      if (e.code() != V2Error.KEY_NOT_FOUND || refresh) {
        throw e;
      }
    }
    if (refresh) {
      value = prev.value();
    }
    return internalCreate(path, dir, value, false, true, expire, "set", refresh, s, plan);
  }

  private Written create(String path, boolean dir, String value, boolean unique, long expire, State s, Plan plan) {
    return internalCreate(path, dir, value, unique, false, expire, "create", false, s, plan);
  }

  private Written internalCreate(String path, boolean dir, String value, boolean unique, boolean replace,
      long expire, String action, boolean refresh, State s, Plan plan) {
    long next = s.index + 1;
    if (unique) {
      path = V2Path.clean(path + "/" + String.format("%020d", next));
      if (!s.nodes.containsKey(path)) {
        // the unique name was not known when the state was read
        State more = read(path, false);
        if (more.eventModRevision != s.eventModRevision) {
          throw new Conflict();
        }
        s.nodes.putAll(more.nodes);
      }
    }
    if (path.equals(V2Path.ROOT)) {
      throw new V2Error(V2Error.ROOT_READ_ONLY, "/", s.index);
    }
    V2Node parent = V2Node.ROOT;
    for (String a : V2Path.ancestors(path)) {
      V2Node d = s.nodes.get(a);
      if (d == null) {
        d = V2Node.directory(a, next, 0);
        plan.put(d);
      } else if (!d.dir()) {
        throw new V2Error(V2Error.NOT_DIR, a, s.index);
      }
      parent = d;
    }
    V2Node prev = s.nodes.get(path);
    if (prev != null) {
      if (!replace) {
        throw new V2Error(V2Error.NODE_EXIST, path, s.index);
      }
      if (prev.dir()) {
        throw new V2Error(V2Error.NOT_FILE, path, s.index);
      }
      plan.dropTtl(prev);
    }
    V2Node n = dir ? V2Node.directory(path, next, expire) : V2Node.file(path, value, next, expire);
    plan.put(n);
    plan.addTtl(n);
    return new Written(V2Event.of(next, action, n, prev, refresh, clock.getAsLong()),
        action.equals("create") || prev == null);
  }

  private Written update(String path, String value, long expire, boolean refresh, State s, Plan plan) {
    if (path.equals(V2Path.ROOT)) {
      throw new V2Error(V2Error.ROOT_READ_ONLY, "/", s.index);
    }
    long next = s.index + 1;
    V2Node n = s.walk(path);
    if (n.dir() && !value.isEmpty()) {
      throw new V2Error(V2Error.NOT_FILE, path, s.index);
    }
    if (refresh) {
      value = n.value();
    }
    // etcd writes no new value (nor modified index) into a directory, but its event says it did
    V2Node updated = (n.dir() ? n : n.withValue(value, next)).withExpiry(expire);
    plan.dropTtl(n);
    plan.put(updated);
    plan.addTtl(updated);
    V2Node eventNode = new V2Node(path, n.dir(), n.dir() ? null : value, n.createdIndex(), next, expire);
    return new Written(V2Event.of(next, "update", eventNode, n, refresh, clock.getAsLong()), false);
  }

  private Written compareAndSwap(String path, String prevValue, long prevIndex, String value, long expire,
      boolean refresh, State s, Plan plan) {
    if (path.equals(V2Path.ROOT)) {
      throw new V2Error(V2Error.ROOT_READ_ONLY, "/", s.index);
    }
    V2Node n = s.walk(path);
    if (n.dir()) {
      throw new V2Error(V2Error.NOT_FILE, path, s.index);
    }
    compare(n, prevValue, prevIndex, s.index);
    if (refresh) {
      value = n.value();
    }
    long next = s.index + 1;
    V2Node updated = n.withValue(value, next).withExpiry(expire);
    plan.dropTtl(n);
    plan.put(updated);
    plan.addTtl(updated);
    return new Written(V2Event.of(next, "compareAndSwap", updated, n, refresh, clock.getAsLong()), false);
  }

  private Written delete(String path, boolean dir, boolean recursive, State s, Plan plan) {
    if (path.equals(V2Path.ROOT)) {
      throw new V2Error(V2Error.ROOT_READ_ONLY, "/", s.index);
    }
    if (recursive) {
      dir = true;
    }
    V2Node n = s.walk(path);
    long next = s.index + 1;
    if (n.dir()) {
      if (!dir) {
        throw new V2Error(V2Error.NOT_FILE, path, s.index);
      }
      if (!s.below.isEmpty() && !recursive) {
        throw new V2Error(V2Error.DIR_NOT_EMPTY, path, s.index);
      }
    }
    plan.removeTree(n);
    V2Node eventNode = new V2Node(path, n.dir(), null, n.createdIndex(), next, 0);
    return new Written(V2Event.of(next, "delete", eventNode, n, false, clock.getAsLong()), false);
  }

  private Written compareAndDelete(String path, String prevValue, long prevIndex, State s, Plan plan) {
    V2Node n = s.walk(path);
    if (n.dir()) {
      throw new V2Error(V2Error.NOT_FILE, path.equals(V2Path.ROOT) ? "" : path, s.index);
    }
    compare(n, prevValue, prevIndex, s.index);
    long next = s.index + 1;
    plan.removeTree(n);
    V2Node eventNode = new V2Node(path, false, null, n.createdIndex(), next, 0);
    return new Written(V2Event.of(next, "compareAndDelete", eventNode, n, false, clock.getAsLong()), false);
  }

  /** etcd's node.Compare and the cause it writes when it fails. */
  private static void compare(V2Node n, String prevValue, long prevIndex, long index) {
    boolean indexMatch = prevIndex == 0 || n.modifiedIndex() == prevIndex;
    boolean valueMatch = prevValue.isEmpty() || n.value().equals(prevValue);
    if (indexMatch && valueMatch) {
      return;
    }
    String cause;
    if (indexMatch) {
      cause = "[" + prevValue + " != " + n.value() + "]";
    } else if (valueMatch) {
      cause = "[" + prevIndex + " != " + n.modifiedIndex() + "]";
    } else {
      cause = "[" + prevValue + " != " + n.value() + "] [" + prevIndex + " != " + n.modifiedIndex() + "]";
    }
    throw new V2Error(V2Error.TEST_FAILED, cause, index);
  }

  // ---- the v3 side ----

  /** The unique name of an in-order key turned out to be taken by a write not yet seen: decide again. */
  private static final class Conflict extends RuntimeException {
    Conflict() {
      super(null, null, false, false);
    }
  }

  private boolean commit(State s, Plan plan, V2Event event) {
    TxnRequest.Builder t = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(V2Keyspace.EVENT).setTarget(Compare.CompareTarget.MOD)
            .setResult(Compare.CompareResult.EQUAL).setModRevision(s.eventModRevision));
    t.addAllSuccess(plan.ops.values());
    t.addSuccess(RequestOp.newBuilder().setRequestPut(
        PutRequest.newBuilder().setKey(V2Keyspace.EVENT).setValue(event.encode())));
    return kv.txn(t.build()).getSucceeded();
  }

  /** Everything one operation needs, read at one revision. */
  private State read(String path, boolean withBelow) {
    TxnRequest.Builder t = TxnRequest.newBuilder().addSuccess(range(V2Keyspace.EVENT, null));
    List<String> paths = new ArrayList<>(V2Path.ancestors(path));
    if (!path.equals(V2Path.ROOT)) {
      paths.add(path);
    }
    for (String p : paths) {
      t.addSuccess(range(V2Keyspace.node(p), null));
    }
    if (withBelow) {
      ByteString below = V2Keyspace.below(path);
      t.addSuccess(range(below, V2Keyspace.prefixEnd(below)));
    }
    TxnResponse r = kv.txn(t.build());
    State s = new State();
    s.revision = r.getHeader().getRevision();
    List<KeyValue> event = r.getResponses(0).getResponseRange().getKvsList();
    s.index = event.isEmpty() ? 0 : event.get(0).getVersion();
    s.eventModRevision = event.isEmpty() ? 0 : event.get(0).getModRevision();
    for (int i = 0; i < paths.size(); i++) {
      List<KeyValue> kvs = r.getResponses(1 + i).getResponseRange().getKvsList();
      if (!kvs.isEmpty()) {
        s.nodes.put(paths.get(i), V2Node.decode(paths.get(i), kvs.get(0).getValue().toByteArray()));
      }
    }
    if (withBelow) {
      for (KeyValue kv : r.getResponses(1 + paths.size()).getResponseRange().getKvsList()) {
        String p = V2Keyspace.pathOf(kv.getKey());
        s.below.add(V2Node.decode(p, kv.getValue().toByteArray()));
      }
    }
    return s;
  }

  private static RequestOp range(ByteString key, ByteString end) {
    RangeRequest.Builder r = RangeRequest.newBuilder().setKey(key);
    if (end != null) {
      r.setRangeEnd(end);
    }
    return RequestOp.newBuilder().setRequestRange(r).build();
  }

  private static RequestOp delete(ByteString key) {
    return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)).build();
  }

  /** The tree around one path at one revision. */
  private static final class State {
    long index;
    long eventModRevision;
    long revision;
    /** The path's node and its ancestors that exist. */
    final Map<String, V2Node> nodes = new HashMap<>();
    /** Every node below the path, when read. */
    final List<V2Node> below = new ArrayList<>();

    /** etcd's internalGet: the node at {@code path}, or why there is none. */
    V2Node walk(String path) {
      V2Node parent = V2Node.ROOT;
      if (path.equals(V2Path.ROOT)) {
        return parent;
      }
      List<String> chain = new ArrayList<>(V2Path.ancestors(path));
      chain.add(path);
      for (String p : chain) {
        if (!parent.dir()) {
          throw new V2Error(V2Error.NOT_DIR, parent.path(), index);
        }
        V2Node n = nodes.get(p);
        if (n == null) {
          throw new V2Error(V2Error.KEY_NOT_FOUND, p, index);
        }
        parent = n;
      }
      return parent;
    }

    /** {@code n} as a Get shows it: a directory with its children (all levels if recursive), hidden ones left out. */
    V2Json.Tree tree(V2Node n, boolean recursive, boolean sorted, boolean top) {
      if (!n.dir() || (!top && !recursive)) {
        return new V2Json.Tree(n, null);
      }
      Map<String, List<V2Node>> children = new LinkedHashMap<>();
      for (V2Node c : below) {
        children.computeIfAbsent(V2Path.parent(c.path()), k -> new ArrayList<>()).add(c);
      }
      return tree(n, children, recursive, sorted, true);
    }

    private V2Json.Tree tree(V2Node n, Map<String, List<V2Node>> children, boolean recursive, boolean sorted,
        boolean top) {
      if (!n.dir() || (!top && !recursive)) {
        return new V2Json.Tree(n, null);
      }
      List<V2Node> kids = new ArrayList<>(children.getOrDefault(n.path(), List.of()));
      kids.removeIf(c -> V2Path.hidden(c.path()));
      if (sorted) {
        kids.sort(Comparator.comparing(V2Node::path));
      }
      List<V2Json.Tree> out = new ArrayList<>(kids.size());
      for (V2Node c : kids) {
        out.add(tree(c, children, recursive, sorted, false));
      }
      return new V2Json.Tree(n, out);
    }
  }

  /** The v3 operations one v2 write makes (by key, so a later step on the same key replaces an earlier one). */
  private static final class Plan {
    final Map<ByteString, RequestOp> ops = new LinkedHashMap<>();

    void put(V2Node n) {
      ByteString key = V2Keyspace.node(n.path());
      ops.put(key, RequestOp.newBuilder().setRequestPut(
          PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(n.encode()))).build());
    }

    void addTtl(V2Node n) {
      if (!n.permanent()) {
        ByteString key = V2Keyspace.ttl(n.expireNanos(), n.path());
        ops.put(key, RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)).build());
      }
    }

    void dropTtl(V2Node n) {
      if (!n.permanent()) {
        ByteString key = V2Keyspace.ttl(n.expireNanos(), n.path());
        ops.put(key, delete(key));
      }
    }

    /**
     * Removes {@code n} and, for a directory, everything below it. The TTL entries of the nodes below
     * stay (a transaction has a bounded number of operations): the expiry sweep drops each when it
     * comes due and finds its node gone.
     */
    void removeTree(V2Node n) {
      ByteString key = V2Keyspace.node(n.path());
      ops.put(key, delete(key));
      dropTtl(n);
      if (n.dir()) {
        ByteString below = V2Keyspace.below(n.path());
        ops.put(below, RequestOp.newBuilder().setRequestDeleteRange(
            DeleteRangeRequest.newBuilder().setKey(below).setRangeEnd(V2Keyspace.prefixEnd(below))).build());
      }
    }
  }
}
