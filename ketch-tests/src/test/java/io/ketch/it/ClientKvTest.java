package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.failure;
import static io.ketch.it.ClientFixture.get;
import static io.ketch.it.ClientFixture.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.client.Client;
import io.ketch.client.KV;
import io.ketch.client.options.Cmp;
import io.ketch.client.options.DeleteOption;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.Op;
import io.ketch.client.options.PutOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ketch-client's KV and Txn against etcd (the oracle) and Ketch: every option of etcd's Op, every
 * compare target, nested transactions, compaction and errors. Each scenario checks its own
 * expectations on both servers, and the two transcripts must be equal.
 */
class ClientKvTest extends EtcdAndKetch {
  @Test
  void everyGetOption() throws Exception {
    sameOnBoth(c -> {
      KV kv = c.kv();
      StringBuilder t = new StringBuilder();
      for (String k : List.of("get/a", "get/b", "get/c", "get/d", "geu")) {
        get(kv.put(bs(k), bs("v-" + k)));
      }
      get(kv.put(bs("get/b"), bs("v2")));
      RangeResponse all = get(kv.get(bs("get/"), GetOption.builder().withPrefix().build()));
      assertEquals(4, all.getCount());
      t.append(text(all)).append('\n');
      RangeResponse limited = get(kv.get(bs("get/"), GetOption.builder().withPrefix().withLimit(2).build()));
      assertTrue(limited.getMore());
      assertEquals(2, limited.getKvsCount());
      t.append(text(limited)).append('\n');
      t.append(text(get(kv.get(bs("get/b"), GetOption.builder().withFromKey().withKeysOnly().build())))).append('\n');
      t.append(text(get(kv.get(bs("get/a"), GetOption.builder().withRangeEnd(bs("get/c")).withCountOnly().build()))))
          .append('\n');
      t.append(text(get(kv.get(bs("get/"), GetOption.builder().withPrefix()
          .withSort(RangeRequest.SortTarget.MOD, RangeRequest.SortOrder.DESCEND).build())))).append('\n');
      t.append(text(get(kv.get(bs("get/"), GetOption.builder().withPrefix()
          .withSort(RangeRequest.SortTarget.VALUE, RangeRequest.SortOrder.ASCEND).build())))).append('\n');
      long rev = all.getHeader().getRevision();
      RangeResponse old = get(kv.get(bs("get/b"), GetOption.builder().withRevision(rev - 1).build()));
      assertEquals("v-get/b", old.getKvs(0).getValue().toStringUtf8());
      t.append(text(old)).append('\n');
      t.append(text(get(kv.get(bs("get/"), GetOption.builder().withPrefix().withSerializable()
          .withMinModRevision(rev).build())))).append('\n');
      t.append(text(get(kv.get(bs("get/"), GetOption.builder().withPrefix().withMaxModRevision(rev - 2)
          .withMinCreateRevision(rev - 4).withMaxCreateRevision(rev - 2).build())))).append('\n');
      t.append(text(get(kv.get(bs(""), GetOption.builder().withPrefix().withCountOnly().build())))).append('\n');
      t.append(failure(kv.get(bs("get/a"), GetOption.builder().withRevision(rev + 100).build()))).append('\n');
      return t.toString();
    });
  }

  @Test
  void putAndDeleteOptions() throws Exception {
    sameOnBoth(c -> {
      KV kv = c.kv();
      StringBuilder t = new StringBuilder();
      long lease = get(c.lease().grant(600)).getID();
      t.append(text(get(kv.put(bs("pd/a"), bs("1"), PutOption.builder().withLease(lease).build()))
          .toBuilder().clearHeader())).append('\n');
      t.append(text(get(kv.put(bs("pd/a"), bs("2"), PutOption.builder().withPrevKv().withIgnoreLease().build()))
          .getPrevKv().toBuilder().clearLease())).append('\n');
      assertEquals(lease, get(kv.get(bs("pd/a"))).getKvs(0).getLease());
      t.append(text(get(kv.put(bs("pd/a"), bs(""), PutOption.builder().withIgnoreValue().withPrevKv().build()))
          .getPrevKv().toBuilder().clearLease())).append('\n');
      assertEquals("2", get(kv.get(bs("pd/a"))).getKvs(0).getValue().toStringUtf8());
      t.append(failure(kv.put(bs("pd/none"), bs(""), PutOption.builder().withIgnoreValue().build()))).append('\n');
      t.append(failure(kv.put(bs(""), bs("x")))).append('\n');
      t.append(failure(kv.put(bs("pd/b"), bs("x"), PutOption.builder().withLease(0x1234abcdL).build()))).append('\n');
      get(kv.put(bs("pd/b"), bs("b")));
      get(kv.put(bs("pd/c"), bs("c")));
      t.append(text(get(kv.delete(bs("pd/b"), DeleteOption.builder().withPrevKv().build())))).append('\n');
      t.append(text(get(kv.delete(bs("pd/"), DeleteOption.builder().withPrefix().build())))).append('\n');
      t.append(text(get(kv.delete(bs("pd/zz"), DeleteOption.builder().withFromKey().withPrevKv().build())))).append('\n');
      get(c.lease().revoke(lease));
      return t.toString();
    });
  }

  @Test
  void transactionsWithEveryCompare() throws Exception {
    sameOnBoth(c -> {
      KV kv = c.kv();
      StringBuilder t = new StringBuilder();
      get(kv.put(bs("tx/a"), bs("1")));
      get(kv.put(bs("tx/b"), bs("2")));
      long rev = get(kv.put(bs("tx/a"), bs("3"))).getHeader().getRevision();
      long lease = get(c.lease().grant(600)).getID();
      get(kv.put(bs("tx/l"), bs("l"), PutOption.builder().withLease(lease).build()));
      TxnResponse ok = get(kv.txn()
          .If(Cmp.version(bs("tx/a")).equal(2), Cmp.createRevision(bs("tx/b")).less(rev),
              Cmp.modRevision(bs("tx/a")).equal(rev), Cmp.value(bs("tx/b")).notEqual(bs("x")),
              Cmp.lease(bs("tx/l")).equal(lease), Cmp.version(bs("tx/")).greater(0).withPrefix())
          .then(Op.put(bs("tx/c"), bs("c"), PutOption.DEFAULT),
              Op.get(bs("tx/"), GetOption.builder().withPrefix().withKeysOnly().build()),
              Op.txn(List.of(Cmp.value(bs("tx/c")).equal(bs("c"))),
                  List.of(Op.delete(bs("tx/b"), DeleteOption.builder().withPrevKv().build())), List.of()))
          .orElse(Op.put(bs("tx/failed"), bs("1"), PutOption.DEFAULT))
          .commit());
      assertTrue(ok.getSucceeded());
      t.append(text(ok)).append('\n');
      TxnResponse no = get(kv.txn().If(Cmp.value(bs("tx/a")).greater(bs("9")))
          .then(Op.put(bs("tx/x"), bs("x"), PutOption.DEFAULT))
          .orElse(Op.get(bs("tx/a"), GetOption.DEFAULT)).commit());
      assertFalse(no.getSucceeded());
      t.append(text(no)).append('\n');
      t.append(failure(kv.txn().then(Op.put(bs("tx/d"), bs("1"), PutOption.DEFAULT),
          Op.put(bs("tx/d"), bs("2"), PutOption.DEFAULT)).commit())).append('\n');
      get(c.lease().revoke(lease));
      return t.toString();
    });
  }

  @Test
  void compactionAndDeadlines() throws Exception {
    sameOnBoth(c -> {
      KV kv = c.kv();
      StringBuilder t = new StringBuilder();
      long first = get(kv.put(bs("cp/a"), bs("1"))).getHeader().getRevision();
      long last = get(kv.put(bs("cp/a"), bs("2"))).getHeader().getRevision();
      t.append(text(get(kv.compact(last, true)))).append('\n');
      t.append(failure(kv.get(bs("cp/a"), GetOption.builder().withRevision(first).build()))).append('\n');
      t.append(failure(kv.compact(last + 1000, false))).append('\n');
      t.append(failure(kv.withTimeout(Duration.ofNanos(1)).get(bs("cp/a")))).append('\n');
      return t.toString();
    });
  }

  @Test
  void namespaceIsolatesKeys() throws Exception {
    Map<String, String> t = new java.util.LinkedHashMap<>();
    for (Endpoint e : servers()) {
      StringBuilder out = new StringBuilder();
      try (Client plain = ClientFixture.client(e);
           Client ns = Client.builder().endpoints(e.address()).namespace(bs("tenant1/")).build()) {
        get(plain.kv().put(bs("outside"), bs("o")));
        get(ns.kv().put(bs("a"), bs("1")));
        get(ns.kv().put(bs("b"), bs("2")));
        RangeResponse mine = get(ns.kv().get(bs(""), GetOption.builder().withPrefix().build()));
        assertEquals(List.of("a", "b"), mine.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList());
        out.append(text(mine)).append('\n');
        out.append(text(get(ns.kv().get(bs("a"), GetOption.builder().withFromKey().withKeysOnly().build())))).append('\n');
        out.append(text(get(plain.kv().get(bs("tenant1/"), GetOption.builder().withPrefix().withKeysOnly().build()))))
            .append('\n');
        TxnResponse txn = get(ns.kv().txn().If(Cmp.value(bs("a")).equal(bs("1")))
            .then(Op.put(bs("c"), bs("3"), PutOption.builder().withPrevKv().build()),
                Op.delete(bs("b"), DeleteOption.builder().withPrevKv().build()))
            .commit());
        assertTrue(txn.getSucceeded());
        out.append(text(txn)).append('\n');
        out.append(text(get(ns.kv().delete(bs(""), DeleteOption.builder().withPrefix().withPrevKv().build()))))
            .append('\n');
        assertEquals(1, get(plain.kv().get(bs("outside"))).getCount());
      }
      t.put(e.name(), out.toString());
    }
    assertEquals(t.get("etcd"), t.get("ketch"));
  }
}
