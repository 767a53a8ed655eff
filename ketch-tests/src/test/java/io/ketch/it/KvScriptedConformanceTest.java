package io.ketch.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One scripted case per KV option and per error, each sent to etcd and Ketch (one fresh pair for
 * the class; every case uses its own key prefix). Each case's outcomes must be identical.
 */
class KvScriptedConformanceTest {
  private static Differential d;

  @BeforeAll
  static void start() {
    d = new Differential();
  }

  @AfterAll
  static void stop() {
    d.close();
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static PutRequest put(String k, String v) {
    return PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build();
  }

  private static RangeRequest.Builder get(String k) {
    return RangeRequest.newBuilder().setKey(b(k));
  }

  private static RangeRequest.Builder prefix(String p) {
    byte[] end = p.getBytes();
    end[end.length - 1]++;
    return RangeRequest.newBuilder().setKey(b(p)).setRangeEnd(ByteString.copyFrom(end));
  }

  private static RequestOp op(Message m) {
    RequestOp.Builder o = RequestOp.newBuilder();
    if (m instanceof PutRequest p) {
      o.setRequestPut(p);
    } else if (m instanceof RangeRequest r) {
      o.setRequestRange(r);
    } else if (m instanceof DeleteRangeRequest dr) {
      o.setRequestDeleteRange(dr);
    } else if (m instanceof TxnRequest t) {
      o.setRequestTxn(t);
    }
    return o.build();
  }

  private static Arguments scenario(String name, Function<String, List<Message>> steps) {
    return Arguments.of(name, steps);
  }

  static Stream<Arguments> scenarios() {
    List<Arguments> s = new ArrayList<>();
    s.add(scenario("put then get, versions and revisions", p -> List.of(
        put(p + "k", "1"), put(p + "k", "2"), get(p + "k").build(),
        PutRequest.newBuilder().setKey(b(p + "k")).setValue(b("3")).setPrevKv(true).build())));
    s.add(scenario("prefix, from-key, all keys and inverted ranges", p -> List.of(
        put(p + "a", "1"), put(p + "b", "2"), put(p + "c", "3"),
        prefix(p).build(),
        get(p + "b").setRangeEnd(ByteString.copyFrom(new byte[1])).build(),
        get(p + "c").setRangeEnd(b(p + "a")).build(),
        RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[1])).setRangeEnd(ByteString.copyFrom(new byte[1]))
            .setCountOnly(true).build())));
    s.add(scenario("limit, more, count, keys_only, count_only", p -> List.of(
        put(p + "a", "1"), put(p + "b", "2"), put(p + "c", "3"),
        prefix(p).setLimit(2).build(), prefix(p).setLimit(3).build(), prefix(p).setKeysOnly(true).build(),
        prefix(p).setCountOnly(true).setLimit(1).build())));
    s.add(scenario("sort by every target and order", p -> {
      List<Message> m = new ArrayList<>(List.of(put(p + "a", "z"), put(p + "b", "y"), put(p + "a", "x"), put(p + "c", "y")));
      for (RangeRequest.SortTarget t : List.of(RangeRequest.SortTarget.KEY, RangeRequest.SortTarget.VERSION,
          RangeRequest.SortTarget.CREATE, RangeRequest.SortTarget.MOD, RangeRequest.SortTarget.VALUE)) {
        for (RangeRequest.SortOrder o : List.of(RangeRequest.SortOrder.NONE, RangeRequest.SortOrder.ASCEND,
            RangeRequest.SortOrder.DESCEND)) {
          m.add(prefix(p).setSortTarget(t).setSortOrder(o).setLimit(2).build());
        }
      }
      return m;
    }));
    s.add(scenario("min/max mod and create revision filters keep count", p -> List.of(
        put(p + "a", "1"), put(p + "b", "2"), put(p + "a", "3"),
        prefix(p).setMinModRevision(1).setMaxModRevision(1).build(),
        prefix(p).setMinCreateRevision(1_000_000).build(),
        prefix(p).setMaxCreateRevision(1).setLimit(1).build())));
    s.add(scenario("history reads, future revision", p -> List.of(
        put(p + "h", "old"), put(p + "h", "new"),
        get(p + "h").setRevision(1).build(),
        get(p + "h").setRevision(1_000_000).build(),
        get(p + "h").setRevision(-1).build())));
    s.add(scenario("delete: single, prefix, prev_kv, nothing deleted keeps the revision", p -> List.of(
        put(p + "a", "1"), put(p + "b", "2"),
        DeleteRangeRequest.newBuilder().setKey(b(p + "zz")).build(),
        DeleteRangeRequest.newBuilder().setKey(b(p + "a")).setPrevKv(true).build(),
        DeleteRangeRequest.newBuilder().setKey(b(p)).setRangeEnd(b(p + "\u00ff")).setPrevKv(true).build(),
        get(p + "a").build())));
    s.add(scenario("ignore_value and ignore_lease", p -> List.of(
        PutRequest.newBuilder().setKey(b(p + "missing")).setIgnoreValue(true).build(),
        PutRequest.newBuilder().setKey(b(p + "missing")).setIgnoreLease(true).build(),
        put(p + "k", "keep"),
        PutRequest.newBuilder().setKey(b(p + "k")).setIgnoreValue(true).setPrevKv(true).build(),
        PutRequest.newBuilder().setKey(b(p + "k")).setValue(b("v2")).setIgnoreLease(true).build(),
        PutRequest.newBuilder().setKey(b(p + "k")).setValue(b("v")).setIgnoreValue(true).build(),
        PutRequest.newBuilder().setKey(b(p + "k")).setLease(5).setIgnoreLease(true).build(),
        PutRequest.newBuilder().setKey(b(p + "k")).setLease(12345).build())));
    s.add(scenario("empty keys", p -> List.of(
        PutRequest.newBuilder().setValue(b("v")).build(), RangeRequest.newBuilder().build(),
        DeleteRangeRequest.newBuilder().build(),
        TxnRequest.newBuilder().addCompare(Compare.newBuilder()).build(),
        TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()).build())));
    s.add(scenario("txn: every compare target and result, compare range", p -> {
      List<Message> m = new ArrayList<>(List.of(put(p + "a", "1"), put(p + "b", "2")));
      for (Compare.CompareTarget t : List.of(Compare.CompareTarget.VERSION, Compare.CompareTarget.CREATE,
          Compare.CompareTarget.MOD, Compare.CompareTarget.VALUE, Compare.CompareTarget.LEASE)) {
        for (Compare.CompareResult r : List.of(Compare.CompareResult.EQUAL, Compare.CompareResult.NOT_EQUAL,
            Compare.CompareResult.GREATER, Compare.CompareResult.LESS)) {
          Compare.Builder c = Compare.newBuilder().setKey(b(p + "a")).setTarget(t).setResult(r);
          switch (t) {
            case VERSION -> c.setVersion(1);
            case CREATE -> c.setCreateRevision(3);
            case MOD -> c.setModRevision(3);
            case VALUE -> c.setValue(b("1"));
            default -> c.setLease(0);
          }
          m.add(TxnRequest.newBuilder().addCompare(c).addSuccess(op(get(p + "a").build()))
              .addFailure(op(get(p + "b").build())).build());
          m.add(TxnRequest.newBuilder().addCompare(c.clone().setKey(b(p)).setRangeEnd(b(p + "\u00ff")))
              .addSuccess(op(get(p + "a").build())).build());
          m.add(TxnRequest.newBuilder().addCompare(c.clone().setKey(b(p + "missing")))
              .addSuccess(op(get(p + "a").build())).build());
        }
      }
      return m;
    }));
    s.add(scenario("txn: one revision, reads see earlier writes, nested txn", p -> List.of(
        TxnRequest.newBuilder()
            .addSuccess(op(put(p + "a", "1"))).addSuccess(op(put(p + "b", "2")))
            .addSuccess(op(get(p + "a").build()))
            .addSuccess(op(DeleteRangeRequest.newBuilder().setKey(b(p + "c")).build()))
            .addSuccess(op(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(b(p + "a")).setTarget(Compare.CompareTarget.VERSION).setVersion(0))
                .addSuccess(op(put(p + "n", "then"))).addFailure(op(put(p + "n", "else")))
                .addFailure(op(get(p).setRangeEnd(b(p + "\u00ff")).build())).build()))
            .build(),
        prefix(p).build(),
        TxnRequest.newBuilder().addSuccess(op(DeleteRangeRequest.newBuilder().setKey(b(p + "none")).build())).build(),
        TxnRequest.newBuilder().build())));
    s.add(scenario("txn: duplicate keys", p -> List.of(
        TxnRequest.newBuilder().addSuccess(op(put(p + "a", "1"))).addSuccess(op(put(p + "a", "2"))).build(),
        TxnRequest.newBuilder().addSuccess(op(put(p + "a", "1")))
            .addSuccess(op(DeleteRangeRequest.newBuilder().setKey(b(p)).setRangeEnd(b(p + "z")).build())).build(),
        TxnRequest.newBuilder().addSuccess(op(put(p + "a", "1")))
            .addFailure(op(put(p + "a", "2"))).build(),
        TxnRequest.newBuilder()
            .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(put(p + "a", "1"))).addFailure(op(put(p + "a", "2"))).build()))
            .build(),
        TxnRequest.newBuilder()
            .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(put(p + "a", "1"))).build()))
            .addSuccess(op(put(p + "a", "2"))).build(),
        TxnRequest.newBuilder()
            .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(DeleteRangeRequest.newBuilder().setKey(b(p + "a")).build())).build()))
            .addSuccess(op(put(p + "a", "2"))).build())));
    s.add(scenario("txn: checks on the taken branch (missing key, lease, future and compacted revision)", p -> List.of(
        TxnRequest.newBuilder().addSuccess(op(PutRequest.newBuilder().setKey(b(p + "m")).setIgnoreValue(true).build())).build(),
        TxnRequest.newBuilder().addFailure(op(PutRequest.newBuilder().setKey(b(p + "m")).setIgnoreValue(true).build())).build(),
        TxnRequest.newBuilder().addSuccess(op(PutRequest.newBuilder().setKey(b(p + "m")).setLease(99).build())).build(),
        TxnRequest.newBuilder().addSuccess(op(get(p + "m").setRevision(1_000_000).build())).build(),
        TxnRequest.newBuilder().addSuccess(op(put(p + "w", "1"))).addSuccess(op(get(p + "m").setRevision(-7).build())).build())));
    s.add(scenario("txn: too many operations", p -> {
      TxnRequest.Builder t = TxnRequest.newBuilder();
      for (int i = 0; i < 129; i++) {
        t.addSuccess(op(get(p + i).build()));
      }
      TxnRequest.Builder ok = TxnRequest.newBuilder();
      for (int i = 0; i < 128; i++) {
        ok.addSuccess(op(put(p + i, "v")));
      }
      return List.of(t.build(), ok.build());
    }));
    s.add(scenario("request too large", p -> List.of(
        PutRequest.newBuilder().setKey(b(p + "big")).setValue(ByteString.copyFrom(new byte[(3 << 19) + 100])).build(),
        PutRequest.newBuilder().setKey(b(p + "ok")).setValue(ByteString.copyFrom(new byte[1 << 20])).build(),
        get(p + "ok").setKeysOnly(true).build())));
    s.add(scenario("compaction: errors, history gone, latest kept", p -> List.of(
        put(p + "c", "1"), put(p + "c", "2"), put(p + "d", "1"),
        DeleteRangeRequest.newBuilder().setKey(b(p + "d")).build(),
        CompactionRequest.newBuilder().setRevision(1_000_000).build(),
        CompactionRequest.newBuilder().setRevision(0).build())));
    return s.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void sameAsEtcd(String name, Function<String, List<Message>> steps) {
    String p = "s" + Integer.toHexString(name.hashCode()) + "/";
    for (Message m : steps.apply(p)) {
      d.send(m, name);
    }
  }

  @org.junit.jupiter.api.Test
  void compactionAtTheCurrentRevisionThenReads() {
    String p = "compact/";
    d.send(put(p + "k", "1"), "compaction");
    long rev = d.send(put(p + "k", "2"), "compaction").revision();
    d.send(CompactionRequest.newBuilder().setRevision(rev - 1).setPhysical(true).build(), "compaction");
    d.send(CompactionRequest.newBuilder().setRevision(rev - 1).build(), "compaction again");
    d.send(get(p + "k").setRevision(rev - 2).build(), "read below compaction");
    d.send(get(p + "k").setRevision(rev - 1).build(), "read at compaction");
    d.send(TxnRequest.newBuilder().addSuccess(op(get(p + "k").setRevision(rev - 2).build())).build(), "txn below");
    d.send(CompactionRequest.newBuilder().setRevision(rev).build(), "compaction at head");
    d.send(get(p + "k").build(), "latest after compaction");
  }
}
