package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.get;
import static io.ketch.it.ClientFixture.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.client.Client;
import io.ketch.client.CompactedException;
import io.ketch.client.EtcdException;
import io.ketch.client.Watch;
import io.ketch.client.options.DeleteOption;
import io.ketch.client.options.WatchOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ketch-client's Watch against etcd and Ketch: many watches on one stream with every create
 * option, history, progress, cancel, fragments reassembled, compaction, and resumption after the
 * connection is cut (through a proxy) without losing or repeating events.
 */
class ClientWatchTest extends EtcdAndKetch {
  private static String eventsText(List<Event> events) {
    StringBuilder sb = new StringBuilder();
    events.forEach(e -> sb.append(text(e)).append('\n'));
    return sb.toString();
  }

  @Test
  void manyWatchesWithEveryOption() throws Exception {
    sameOnBoth(c -> {
      StringBuilder t = new StringBuilder();
      long start = get(c.kv().put(bs("w1/a"), bs("0"))).getHeader().getRevision();
      WatchRecorder prefix = new WatchRecorder();
      WatchRecorder history = new WatchRecorder();
      WatchRecorder noPut = new WatchRecorder();
      WatchRecorder single = new WatchRecorder();
      WatchRecorder range = new WatchRecorder();
      Watch w = c.watch();
      w.watch(bs("w1/"), WatchOption.builder().withPrefix().withPrevKv().withCreatedNotify().build(), prefix);
      w.watch(bs("w1/"), WatchOption.builder().withPrefix().withStartRevision(start).build(), history);
      w.watch(bs("w1/"), WatchOption.builder().withPrefix().withNoPut().withCreatedNotify().build(), noPut);
      Watch.Watcher one = w.watch(bs("w1/a"), WatchOption.builder().withCreatedNotify().build(), single);
      w.watch(bs("w1/a"), WatchOption.builder().withRangeEnd(bs("w1/c")).withCreatedNotify().build(), range);
      prefix.awaitResponses(1, 10_000);
      noPut.awaitResponses(1, 10_000);
      single.awaitResponses(1, 10_000);
      range.awaitResponses(1, 10_000);
      get(c.kv().put(bs("w1/a"), bs("1")));
      get(c.kv().put(bs("w1/b"), bs("2")));
      get(c.kv().put(bs("w1/c"), bs("3")));
      single.awaitEvents(1, 10_000);
      one.close();
      single.completed.get(10, TimeUnit.SECONDS);
      get(c.kv().delete(bs("w1/"), DeleteOption.builder().withPrefix().build()));
      t.append("prefix:\n").append(eventsText(prefix.awaitEvents(6, 10_000)));
      t.append("created: ").append(prefix.responses.get(0).getCreated()).append('\n');
      t.append("history:\n").append(eventsText(history.awaitEvents(7, 10_000)));
      t.append("noPut:\n").append(eventsText(noPut.awaitEvents(3, 10_000)));
      t.append("range:\n").append(eventsText(range.awaitEvents(4, 10_000)));
      t.append("single after close: ").append(single.events().size()).append('\n');
      assertEquals(1, single.events().size());
      // the deletes of one revision arrive as one response
      WatchResponse deletes = prefix.responses.get(prefix.responses.size() - 1);
      assertEquals(3, deletes.getEventsCount());
      return t.toString();
    });
  }

  @Test
  void progressOnRequest() throws Exception {
    sameOnBoth(c -> {
      WatchRecorder r = new WatchRecorder();
      c.watch().watch(bs("prog/x"), WatchOption.builder().withCreatedNotify().build(), r);
      r.awaitResponses(1, 10_000);
      long rev = get(c.kv().put(bs("prog/other"), bs("1"))).getHeader().getRevision();
      c.watch().requestProgress();
      WatchResponse p = r.awaitResponses(2, 10_000).get(1);
      assertEquals(0, p.getEventsCount());
      assertEquals(rev, p.getHeader().getRevision());
      return "progress at put revision";
    });
  }

  @Test
  void compactedStartEndsWithCompactedException() throws Exception {
    sameOnBoth(c -> {
      get(c.kv().put(bs("cw/a"), bs("1")));
      long rev = get(c.kv().put(bs("cw/a"), bs("2"))).getHeader().getRevision();
      get(c.kv().compact(rev, true));
      WatchRecorder r = new WatchRecorder();
      c.watch().watch(bs("cw/a"), WatchOption.builder().withStartRevision(rev - 1).build(), r);
      EtcdException e = r.error.get(10, TimeUnit.SECONDS);
      assertInstanceOf(CompactedException.class, e);
      assertEquals(rev, ((CompactedException) e).compactRevision());
      return "compacted at " + ((CompactedException) e).compactRevision();
    });
  }

  @Test
  void fragmentsAreReassembled() throws Exception {
    sameOnBoth(c -> {
      ByteString big = ByteString.copyFrom(new byte[600 * 1024]);
      for (int i = 0; i < 3; i++) {
        get(c.kv().put(bs("frag/" + i), big));
      }
      WatchRecorder r = new WatchRecorder();
      c.watch().watch(bs("frag/"), WatchOption.builder().withPrefix().withPrevKv().withFragment()
          .withCreatedNotify().build(), r);
      r.awaitResponses(1, 10_000);
      get(c.kv().delete(bs("frag/"), DeleteOption.builder().withPrefix().build()));
      List<Event> events = r.awaitEvents(3, 20_000);
      WatchResponse whole = r.responses.get(1);
      assertEquals(3, whole.getEventsCount(), "one response for the revision's three deletes");
      assertTrue(events.stream().allMatch(e -> e.getPrevKv().getValue().size() == big.size()));
      return "reassembled " + whole.getEventsCount() + " events, " + r.responses.size() + " responses";
    });
  }

  /** With progress notify, an idle watch hears the current revision at the server's interval. */
  @Test
  void periodicProgressNotifications() throws Exception {
    String[] flags = {"--experimental-watch-progress-notify-interval", "1s"};
    try (EtcdOracle e = new EtcdOracle(flags); KetchNode k = new KetchNode(flags)) {
      for (Endpoint server : java.util.List.<Endpoint>of(e, k)) {
        try (Client c = ClientFixture.client(server)) {
          long rev = get(c.kv().put(bs("pn/other"), bs("1"))).getHeader().getRevision();
          WatchRecorder r = new WatchRecorder();
          c.watch().watch(bs("pn/idle"), WatchOption.builder().withProgressNotify().build(), r);
          WatchResponse p = r.awaitResponses(1, 10_000).get(0);
          assertEquals(0, p.getEventsCount(), server.name());
          assertEquals(rev, p.getHeader().getRevision(), server.name());
        }
      }
    }
  }

  /** A namespaced client watches its own key space: keys arrive without the prefix, outsiders unseen. */
  @Test
  void namespacedWatch() throws Exception {
    for (Endpoint server : servers()) {
      try (Client plain = ClientFixture.client(server);
           Client ns = Client.builder().endpoints(server.address()).namespace(bs("tenant/")).build()) {
        WatchRecorder r = new WatchRecorder();
        ns.watch().watch(bs(""), WatchOption.builder().withPrefix().withPrevKv().withCreatedNotify().build(), r);
        r.awaitResponses(1, 10_000);
        get(plain.kv().put(bs("tenantz"), bs("outside")));
        get(plain.kv().put(bs("tenant/a"), bs("1")));
        get(ns.kv().put(bs("a"), bs("2")));
        get(ns.kv().delete(bs("a")));
        List<Event> events = r.awaitEvents(3, 10_000);
        assertEquals(List.of("a", "a", "a"), events.stream().map(e -> e.getKv().getKey().toStringUtf8()).toList(),
            server.name());
        assertEquals("a", events.get(2).getPrevKv().getKey().toStringUtf8());
      }
    }
  }

  /**
   * The connection is cut three times while a writer keeps writing: the watch resumes each time
   * from where it was, so it sees every revision exactly once, in order.
   */
  @Test
  void resumesAfterDisconnectWithoutLossOrDuplicates() throws Exception {
    for (Endpoint server : servers()) {
      try (TcpProxy proxy = new TcpProxy(server.address());
           Client watcher = Client.builder().endpoints(proxy.address()).build();
           Client writer = ClientFixture.client(server)) {
        WatchRecorder r = new WatchRecorder();
        watcher.watch().watch(bs("resume/"), WatchOption.builder().withPrefix().withCreatedNotify().build(), r);
        r.awaitResponses(1, 10_000);
        List<Long> written = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
          for (int i = 0; i < 20; i++) {
            written.add(get(writer.kv().put(bs("resume/" + (i % 5)), bs(round + "-" + i))).getHeader().getRevision());
          }
          proxy.cut();
          for (int i = 0; i < 20; i++) {
            written.add(get(writer.kv().put(bs("resume/" + (i % 5)), bs("cut" + round + "-" + i))).getHeader().getRevision());
          }
          Thread.sleep(300);
          proxy.restore();
        }
        List<Event> events = r.awaitEvents(written.size(), 30_000);
        Thread.sleep(300);
        List<Long> seen = new ArrayList<>();
        r.events().forEach(e -> seen.add(e.getKv().getModRevision()));
        assertEquals(written, seen, server.name() + ": every revision exactly once, in order");
        assertEquals(written.size(), events.size());
      }
    }
  }

  /** Cut off while the history it needs is compacted away: the watch ends with CompactedException. */
  @Test
  void resumeIntoCompactedHistoryEndsWithCompactedException() throws Exception {
    for (Endpoint server : servers()) {
      try (TcpProxy proxy = new TcpProxy(server.address());
           Client watcher = Client.builder().endpoints(proxy.address()).build();
           Client writer = ClientFixture.client(server)) {
        WatchRecorder r = new WatchRecorder();
        watcher.watch().watch(bs("cresume"), WatchOption.builder().withCreatedNotify().build(), r);
        r.awaitResponses(1, 10_000);
        get(writer.kv().put(bs("cresume"), bs("1")));
        r.awaitEvents(1, 10_000);
        proxy.cut();
        get(writer.kv().put(bs("cresume"), bs("2")));
        long rev = get(writer.kv().put(bs("cresume"), bs("3"))).getHeader().getRevision();
        get(writer.kv().compact(rev, true));
        proxy.restore();
        EtcdException e = r.error.get(20, TimeUnit.SECONDS);
        assertInstanceOf(CompactedException.class, e, server.name());
        assertEquals(rev, ((CompactedException) e).compactRevision(), server.name());
        assertEquals(1, r.events().size(), server.name());
      }
    }
  }
}
