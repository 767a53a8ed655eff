package io.ketch.it;

import static io.ketch.it.WatchSession.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import com.google.protobuf.TextFormat;
import io.ketch.api.etcdserverpb.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One scripted case per watch option and per watch error, run against etcd and Ketch (one fresh
 * pair for the class; each case has its own key prefix). Each watch's responses must be identical.
 */
class WatchScriptedConformanceTest {
  private static Differential d;

  @BeforeAll
  static void start() {
    d = new Differential();
  }

  @AfterAll
  static void stop() {
    d.close();
  }

  private static WatchCreateRequest.Builder watch(String key) {
    return WatchCreateRequest.newBuilder().setKey(b(key));
  }

  private static RequestOp putOp(String k, String v) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(k)).setValue(b(v))).build();
  }

  private static Arguments scenario(String name, WatchSession.Script script) {
    return Arguments.of(name, script);
  }

  static Stream<Arguments> scenarios() {
    List<Arguments> s = new ArrayList<>();
    s.add(scenario("etcd docs: put, put, watch from revision 1, put", w -> {
      w.put("hello", "aoho");
      w.put("hello", "boho");
      w.create(watch("hello").setStartRevision(1));
      w.put("hello", "coho");
    }));
    s.add(scenario("prefix watch from now: txn and delete-range arrive as one response each", w -> {
      w.create(WatchCaller.prefixWatch("pfx/"));
      w.put("pfx/a", "1");
      w.put("pfy", "outside");
      w.kv(TxnRequest.newBuilder().addSuccess(putOp("pfx/b", "2")).addSuccess(putOp("pfx/c", "3"))
          .addSuccess(putOp("elsewhere", "x")).build());
      w.kv(DeleteRangeRequest.newBuilder().setKey(b("pfx/")).setRangeEnd(b("pfx0")).build());
      w.put("pfx/a", "again");
    }));
    s.add(scenario("from-key and range watches, key at the range end excluded", w -> {
      w.create(watch("rng/b").setRangeEnd(ByteString.copyFrom(new byte[1])));
      w.create(watch("rng/a").setRangeEnd(b("rng/c")));
      for (String k : List.of("rng/a", "rng/b", "rng/c", "rng/z", "rnf")) {
        w.put(k, "v");
      }
    }));
    s.add(scenario("every key: empty key with range end \\0", w -> {
      w.create(WatchCreateRequest.newBuilder().setRangeEnd(ByteString.copyFrom(new byte[1])));
      w.put("all/1", "v");
      w.kv(DeleteRangeRequest.newBuilder().setKey(b("all/1")).build());
    }));
    s.add(scenario("filters NOPUT and NODELETE", w -> {
      w.create(WatchCaller.prefixWatch("flt/").addFilters(WatchCreateRequest.FilterType.NOPUT));
      w.create(WatchCaller.prefixWatch("flt/").addFilters(WatchCreateRequest.FilterType.NODELETE));
      w.create(WatchCaller.prefixWatch("flt/").addFilters(WatchCreateRequest.FilterType.NOPUT)
          .addFilters(WatchCreateRequest.FilterType.NODELETE));
      w.put("flt/a", "1");
      w.put("flt/b", "2");
      w.kv(DeleteRangeRequest.newBuilder().setKey(b("flt/")).setRangeEnd(b("flt0")).build());
    }));
    s.add(scenario("prev_kv live and from history, none for a create", w -> {
      long first = w.put("pkv/a", "1") ;
      w.put("pkv/a", "2");
      w.kv(DeleteRangeRequest.newBuilder().setKey(b("pkv/a")).build());
      w.create(WatchCaller.prefixWatch("pkv/").setPrevKv(true).setStartRevision(first));
      w.create(WatchCaller.prefixWatch("pkv/").setPrevKv(true));
      w.put("pkv/a", "3");
      w.put("pkv/a", "4");
      w.kv(DeleteRangeRequest.newBuilder().setKey(b("pkv/")).setRangeEnd(b("pkv0")).setPrevKv(true).build());
    }));
    s.add(scenario("client-chosen ids, duplicate id, cancel, cancel of an unknown id", w -> {
      w.create(watch("ids/k").setWatchId(7));
      w.create(watch("ids/other").setWatchId(7));
      w.create(watch("ids/k"));
      w.create(watch("ids/k").setWatchId(1));
      w.create(watch("ids/k"));
      w.put("ids/k", "1");
      w.cancel(7);
      w.cancel(99);
      w.put("ids/k", "2");
      w.create(watch("ids/k").setWatchId(7));
      w.put("ids/k", "3");
      w.create(watch("ids/k").setWatchId(-5));
    }));
    s.add(scenario("progress request on a synced stream", w -> {
      w.create(watch("prg/k"));
      w.put("prg/k", "1");
      w.progress();
      w.put("prg/other", "1");
      w.progress();
    }));
    s.add(scenario("compacted start revision is canceled with compact_revision; at the compact revision it is not",
        w -> {
          long a = w.put("cmp/k", "1");
          long b2 = w.put("cmp/k", "2");
          w.put("cmp/k", "3");
          w.kv(CompactionRequest.newBuilder().setRevision(b2).build());
          w.create(watch("cmp/k").setStartRevision(a));
          w.create(watch("cmp/k").setStartRevision(b2));
          w.create(watch("cmp/k").setStartRevision(1).setPrevKv(true));
          w.put("cmp/k", "4");
        }));
    s.add(scenario("empty range: key at or after range end", w -> {
      w.create(watch("emp/b").setRangeEnd(b("emp/a")));
      w.create(watch("emp/b").setRangeEnd(b("emp/b")));
      w.put("emp/b", "v");
    }));
    s.add(scenario("future start revision: events from it on", w -> {
      long now = w.put("fut/k", "0");
      w.create(watch("fut/k").setStartRevision(now + 2));
      w.put("fut/k", "1");
      w.put("fut/k", "2");
      w.put("fut/k", "3");
    }));
    s.add(scenario("catch-up then live with no gap or duplicate", w -> {
      long first = w.put("cu/a", "1");
      for (int i = 0; i < 30; i++) {
        w.put("cu/" + (char) ('a' + i % 5), "v" + i);
      }
      w.create(WatchCaller.prefixWatch("cu/").setStartRevision(first));
      w.kv(TxnRequest.newBuilder().addSuccess(putOp("cu/x", "1")).addSuccess(putOp("cu/y", "2")).build());
      w.put("cu/z", "3");
    }));
    s.add(scenario("large responses: fragments only when asked", w -> {
      String big = "x".repeat(700 * 1024);
      long first = w.put("frag/a", big);
      w.put("frag/b", big);
      w.put("frag/c", big);
      w.create(WatchCaller.prefixWatch("frag/").setStartRevision(first).setFragment(true));
      w.create(WatchCaller.prefixWatch("frag/").setStartRevision(first));
      w.create(WatchCaller.prefixWatch("frag/").setStartRevision(first).setFragment(true).setPrevKv(true));
    }));
    s.add(scenario("negative start revision", w -> {
      w.put("neg/k", "1");
      w.create(watch("neg/k").setStartRevision(-3));
      w.put("neg/k", "2");
    }));
    return s.stream();
  }

  /**
   * Periodic progress notifications (interval shortened by etcd's flag): the same distinct responses
   * — created, then notifications at the current revision — as etcd.
   */
  @Test
  void periodicProgressNotificationsAsEtcd() throws Exception {
    try (Differential p = new Differential("--experimental-watch-progress-notify-interval", "250ms")) {
      List<String> seen = new ArrayList<>();
      for (Endpoint e : List.of(p.etcd(), p.ketch())) {
        try (WatchSession w = new WatchSession(e)) {
          w.put("pn/k", "1");
          w.stream().create(watch("pn/k").setProgressNotify(true).build());
          w.stream().create(watch("pn/other").build());
          Set<String> distinct = new TreeSet<>();
          for (WatchResponse r : w.stream().collectFor(1200)) {
            distinct.add(TextFormat.shortDebugString(WatchCaller.normalize(r)));
          }
          seen.add(String.join("\n", distinct));
        }
      }
      assertTrue(seen.get(0).contains("header { revision: 2 }\n"), "etcd sent a progress notification:\n" + seen.get(0));
      assertEquals(seen.get(0), seen.get(1));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void sameAsEtcd(String name, WatchSession.Script script) throws Exception {
    WatchSession.compare(d, name, script);
  }
}
