package io.ketch.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseLeasesRequest;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import java.util.List;
import java.util.Random;

/**
 * Seeded random KV and lease requests covering every option of Range, Put (with leases and
 * ignore_lease), DeleteRange, Txn (all compare targets incl. LEASE and results, compare ranges,
 * nested txns), Compact, LeaseGrant (explicit IDs, duplicates, too large TTLs), LeaseRevoke,
 * LeaseTimeToLive (with keys) and LeaseLeases, valid and invalid alike.
 *
 * <p>Lease IDs come from a pool of six, so grants collide, revokes miss and puts name leases that
 * exist about half the time. TTLs are long (10 minutes and more): nothing expires during a run,
 * so both servers answer the same whatever their timing.
 *
 * <p>Keys come from two groups of ten ({@code a/0..a/9}, {@code b/0..b/9}) and three singles, so
 * prefixes, ranges and duplicates are frequent. Ranges sorted by a target other than the key only
 * cover one group: with at most 12 results etcd's sort (Go's insertion sort) is stable, as Ketch's
 * is, so ties come out identically.
 */
final class KvOpGenerator {
  private static final List<String> SINGLES = List.of("x", "y", "z");
  private static final List<String> VALUES = List.of("", "v1", "v2", "abc", "zz", "\u0000bin");

  private final Random rnd;
  /** Current store revision, as the caller tracks it from responses. */
  long rev = 1;
  /** Last compaction revision the caller saw succeed (0 if none). */
  long compacted = 0;

  KvOpGenerator(long seed) {
    this.rnd = new Random(seed);
  }

  Message next() {
    int p = rnd.nextInt(100);
    if (p < 28) {
      return put();
    } else if (p < 50) {
      return range(true);
    } else if (p < 59) {
      return delete();
    } else if (p < 88) {
      return txn(0);
    } else if (p < 90) {
      return compact();
    } else if (p < 99) {
      return leaseOp();
    }
    return invalid();
  }

  private long leaseId() {
    return 1 + rnd.nextInt(6);
  }

  Message leaseOp() {
    return switch (rnd.nextInt(8)) {
      case 0, 1, 2 -> {
        long ttl = switch (rnd.nextInt(10)) {
          case 0 -> 9_000_000_001L; // too large
          case 1 -> 9_000_000_000L; // the largest
          default -> 600 + rnd.nextInt(3000);
        };
        yield LeaseGrantRequest.newBuilder().setID(leaseId()).setTTL(ttl).build();
      }
      case 3, 4 -> LeaseRevokeRequest.newBuilder().setID(rnd.nextInt(8) == 0 ? 0 : leaseId()).build();
      case 5, 6 -> LeaseTimeToLiveRequest.newBuilder().setID(leaseId()).setKeys(rnd.nextBoolean()).build();
      default -> LeaseLeasesRequest.getDefaultInstance();
    };
  }

  private String key() {
    int p = rnd.nextInt(23);
    if (p < 10) {
      return "a/" + p;
    } else if (p < 20) {
      return "b/" + (p - 10);
    }
    return SINGLES.get(p - 20);
  }

  private ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private ByteString value() {
    return bs(VALUES.get(rnd.nextInt(VALUES.size())));
  }

  private long someRev() {
    int p = rnd.nextInt(10);
    if (p < 4) {
      return 0;
    } else if (p == 4) {
      return rev + 1 + rnd.nextInt(3); // future
    } else if (p == 5 && compacted > 1) {
      return 1 + rnd.nextInt((int) compacted); // at or below the compaction
    } else if (p == 6) {
      return -rnd.nextInt(3);
    }
    return Math.max(1, rev - rnd.nextInt((int) Math.max(1, Math.min(rev, 20))));
  }

  PutRequest put() {
    PutRequest.Builder b = PutRequest.newBuilder().setKey(bs(key())).setValue(value());
    int p = rnd.nextInt(20);
    if (p == 0) {
      b.setIgnoreValue(true).clearValue();
    } else if (p == 1) {
      b.setIgnoreLease(true);
    } else if (p < 6) {
      b.setLease(rnd.nextInt(10) == 0 ? 50 + rnd.nextInt(50) : leaseId()); // may not exist: lease-not-found
    }
    if (rnd.nextBoolean()) {
      b.setPrevKv(true);
    }
    return b.build();
  }

  /** A key range of one of etcd's shapes: single key, prefix, from-key, [k1, k2), everything. */
  private ByteString[] keyRange(boolean oneGroup) {
    int p = rnd.nextInt(oneGroup ? 2 : 6);
    return switch (p) {
      case 0 -> rnd.nextBoolean() ? new ByteString[] {bs("a/"), bs("a0")} : new ByteString[] {bs("b/"), bs("b0")};
      case 1 -> {
        String g = rnd.nextBoolean() ? "a/" : "b/";
        int lo = rnd.nextInt(10);
        yield new ByteString[] {bs(g + lo), bs(g + (lo + rnd.nextInt(11 - lo)))};
      }
      case 2 -> new ByteString[] {bs(key()), ByteString.EMPTY};
      case 3 -> new ByteString[] {bs(key()), ByteString.copyFrom(new byte[1])}; // from key
      case 4 -> new ByteString[] {ByteString.copyFrom(new byte[1]), ByteString.copyFrom(new byte[1])}; // all
      default -> new ByteString[] {bs(key()), bs(key())}; // arbitrary, possibly empty or inverted
    };
  }

  RangeRequest range(boolean allowRevision) {
    RangeRequest.Builder b = RangeRequest.newBuilder();
    RangeRequest.SortTarget target = RangeRequest.SortTarget.forNumber(rnd.nextInt(3) == 0 ? rnd.nextInt(5) : 0);
    ByteString[] r = keyRange(target != RangeRequest.SortTarget.KEY);
    b.setKey(r[0]).setRangeEnd(r[1]);
    b.setSortTarget(target).setSortOrder(RangeRequest.SortOrder.forNumber(rnd.nextInt(3)));
    if (rnd.nextInt(3) == 0) {
      b.setLimit(rnd.nextInt(5));
    }
    if (allowRevision && rnd.nextInt(3) == 0) {
      b.setRevision(someRev());
    }
    b.setSerializable(rnd.nextInt(4) == 0);
    b.setKeysOnly(rnd.nextInt(5) == 0);
    b.setCountOnly(rnd.nextInt(8) == 0);
    if (rnd.nextInt(6) == 0) {
      b.setMinModRevision(Math.max(0, rev - rnd.nextInt(10)));
    }
    if (rnd.nextInt(6) == 0) {
      b.setMaxModRevision(Math.max(0, rev - rnd.nextInt(10)));
    }
    if (rnd.nextInt(6) == 0) {
      b.setMinCreateRevision(Math.max(0, rev - rnd.nextInt(20)));
    }
    if (rnd.nextInt(6) == 0) {
      b.setMaxCreateRevision(Math.max(0, rev - rnd.nextInt(20)));
    }
    return b.build();
  }

  DeleteRangeRequest delete() {
    ByteString[] r = rnd.nextInt(3) == 0 ? keyRange(false) : new ByteString[] {bs(key()), ByteString.EMPTY};
    return DeleteRangeRequest.newBuilder().setKey(r[0]).setRangeEnd(r[1]).setPrevKv(rnd.nextBoolean()).build();
  }

  private Compare compare() {
    Compare.Builder c = Compare.newBuilder()
        .setKey(bs(key()))
        .setResult(Compare.CompareResult.forNumber(rnd.nextInt(4)))
        .setTarget(Compare.CompareTarget.forNumber(rnd.nextInt(5)));
    if (rnd.nextInt(6) == 0) {
      c.setKey(bs("a/")).setRangeEnd(bs("a0"));
    }
    Compare.CompareTarget union = rnd.nextInt(10) == 0
        ? Compare.CompareTarget.forNumber(rnd.nextInt(5)) : c.getTarget(); // sometimes a mismatched union
    switch (union) {
      case VERSION -> c.setVersion(rnd.nextInt(4));
      case CREATE -> c.setCreateRevision(rnd.nextInt(3) == 0 ? 0 : Math.max(0, rev - rnd.nextInt(15)));
      case MOD -> c.setModRevision(rnd.nextInt(3) == 0 ? 0 : Math.max(0, rev - rnd.nextInt(15)));
      case VALUE -> c.setValue(value());
      default -> c.setLease(rnd.nextInt(3) == 0 ? 0 : leaseId());
    }
    return c.build();
  }

  private RequestOp op(int depth) {
    int p = rnd.nextInt(depth < 2 ? 10 : 9);
    return switch (p) {
      case 0, 1, 2 -> RequestOp.newBuilder().setRequestPut(put()).build();
      case 3, 4, 5 -> RequestOp.newBuilder().setRequestRange(range(true)).build();
      case 6, 7 -> RequestOp.newBuilder().setRequestDeleteRange(delete()).build();
      case 8 -> RequestOp.newBuilder().setRequestRange(range(false)).build();
      default -> RequestOp.newBuilder().setRequestTxn(txn(depth + 1)).build();
    };
  }

  TxnRequest txn(int depth) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    int compares = rnd.nextInt(4);
    for (int i = 0; i < compares; i++) {
      t.addCompare(compare());
    }
    int s = rnd.nextInt(4);
    for (int i = 0; i < s; i++) {
      t.addSuccess(op(depth));
    }
    int f = rnd.nextInt(3);
    for (int i = 0; i < f; i++) {
      t.addFailure(op(depth));
    }
    return t.build();
  }

  CompactionRequest compact() {
    long r = rnd.nextInt(5) == 0 ? someRev() : compacted + 1 + rnd.nextInt((int) Math.max(1, rev - compacted));
    return CompactionRequest.newBuilder().setRevision(r).setPhysical(rnd.nextBoolean()).build();
  }

  private Message invalid() {
    return switch (rnd.nextInt(6)) {
      case 0 -> PutRequest.newBuilder().setValue(value()).build(); // no key
      case 1 -> RangeRequest.newBuilder().build();
      case 2 -> DeleteRangeRequest.newBuilder().build();
      case 3 -> PutRequest.newBuilder().setKey(bs(key())).setValue(bs("v")).setIgnoreValue(true).build();
      case 4 -> PutRequest.newBuilder().setKey(bs(key())).setLease(7).setIgnoreLease(true).build();
      default -> {
        TxnRequest.Builder t = TxnRequest.newBuilder();
        for (int i = 0; i < 129; i++) {
          t.addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs("k" + i))));
        }
        yield t.build();
      }
    };
  }
}
