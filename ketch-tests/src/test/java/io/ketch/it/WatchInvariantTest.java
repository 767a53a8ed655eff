package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.DeleteRangeResponse;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Watch guarantees on a long random run with concurrent writers (Ketch alone; the expected history
 * is what the writers were acknowledged): every watch gets exactly the events of its range from its
 * start revision, in revision order, atomic per revision, with no gap or duplicate — watches created
 * in the past while writes go on switch from history to live events cleanly; a watch canceled midway
 * and resumed from its last revision + 1 sees the same history; progress notifications and answers
 * to progress requests come only after every event up to their revision.
 */
class WatchInvariantTest {
  private static final int WRITERS = 4;
  private static final int OPS_PER_WRITER = 1500;
  private static final String PREFIX = "inv/";
  private static final String RARE = "rare/";

  /** The acknowledged history: revision to the events of that revision, in order. */
  private final Map<Long, List<Event>> history = new ConcurrentSkipListMap<>();

  @Test
  void everyWatchSeesExactlyTheAcknowledgedHistory() throws Exception {
    try (KetchNode node = new KetchNode("--experimental-watch-progress-notify-interval", "150ms");
        WatchCaller live = new WatchCaller(node);
        WatchCaller late = new WatchCaller(node);
        WatchCaller resumed = new WatchCaller(node);
        WatchCaller progress = new WatchCaller(node)) {
      live.create(WatchCaller.prefixWatch(PREFIX).setStartRevision(1).build());
      live.create(WatchCreateRequest.newBuilder().setKey(bs(PREFIX + "7")).build());
      progress.create(WatchCaller.prefixWatch(RARE).setProgressNotify(true).build());
      live.awaitCreated(2);
      progress.awaitCreated(1);

      ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 1);
      List<Future<?>> writers = new ArrayList<>();
      ManagedChannel ch = node.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        for (int w = 0; w < WRITERS; w++) {
          int writer = w;
          writers.add(pool.submit(() -> write(kv, writer)));
        }
        Future<?> rare = pool.submit(() -> {
          for (int i = 0; i < 8; i++) {
            record(kv.put(put(RARE + i, "r" + i)).getHeader().getRevision(), put(RARE + i, "r" + i));
            sleep(300);
          }
        });
        // a watch that starts in the past while writes go on: catch-up, then live
        sleep(300);
        late.create(WatchCaller.prefixWatch(PREFIX).setStartRevision(2).setWatchId(42).build());
        late.requestProgress();
        // a watch canceled midway, resumed from its last revision + 1 on another stream
        resumed.create(WatchCaller.prefixWatch(PREFIX).setStartRevision(1).build());
        sleep(800);
        resumed.cancel(0);
        for (Future<?> f : writers) {
          f.get(5, TimeUnit.MINUTES);
        }
        rare.get(1, TimeUnit.MINUTES);
      } finally {
        pool.shutdownNow();
        ch.shutdownNow();
      }
      long last = ((ConcurrentSkipListMap<Long, List<Event>>) history).lastKey();

      List<WatchResponse> first = resumed.settle(300);
      long resumeFrom = lastEventRev(first, 0) + 1;
      try (WatchCaller resumedAgain = new WatchCaller(node)) {
        resumedAgain.create(WatchCaller.prefixWatch(PREFIX).setStartRevision(resumeFrom).build());
        List<Event> joined = new ArrayList<>(events(first, 0));
        joined.addAll(events(resumedAgain.settle(1000), 0));
        assertEquals(expected(1, k -> k.startsWith(PREFIX)), render(joined), "canceled and resumed watch");
      }

      List<WatchResponse> liveResponses = live.settle(1000);
      WatchDifferentialTest.checkInvariants(liveResponses);
      assertEquals(expected(1, k -> k.startsWith(PREFIX)), render(events(liveResponses, 0)), "prefix watch");
      assertEquals(expected(1, k -> k.equals(PREFIX + "7")), render(events(liveResponses, 1)),
          "single-key watch");
      List<WatchResponse> lateResponses = late.settle(1000);
      WatchDifferentialTest.checkInvariants(lateResponses);
      assertEquals(expected(2, k -> k.startsWith(PREFIX)), render(events(lateResponses, 42)),
          "watch created in the past during writes");
      assertProgressTruthful(lateResponses, 42, k -> k.startsWith(PREFIX), 2);

      // quiet now: the progress_notify watch is synced and gets notifications
      List<WatchResponse> progressResponses = progress.collectFor(800);
      assertProgressTruthful(progressResponses, 0, k -> k.startsWith(RARE), 1);
      assertTrue(progressResponses.stream().anyMatch(r -> isProgress(r) && r.getHeader().getRevision() >= last),
          "a progress notification at the final revision after writes stopped");
    }
  }

  private void write(KVGrpc.KVBlockingStub kv, int writer) {
    Random rnd = new Random(writer);
    for (int i = 0; i < OPS_PER_WRITER; i++) {
      String k1 = PREFIX + rnd.nextInt(20);
      String v = "w" + writer + "-" + i;
      int p = rnd.nextInt(10);
      if (p < 6) {
        record(kv.put(put(k1, v)).getHeader().getRevision(), put(k1, v));
      } else if (p < 8) {
        DeleteRangeResponse r = kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs(k1)).setPrevKv(true).build());
        if (r.getDeleted() > 0) {
          long rev = r.getHeader().getRevision();
          history.put(rev, List.of(Event.newBuilder().setType(Event.EventType.DELETE)
              .setKv(KeyValue.newBuilder().setKey(bs(k1)).setModRevision(rev)).build()));
        }
      } else {
        String k2 = PREFIX + (20 + rnd.nextInt(5));
        TxnResponse r = kv.txn(TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestPut(put(k1, v)))
            .addSuccess(RequestOp.newBuilder().setRequestPut(put(k2, v + "b")))
            .addSuccess(RequestOp.newBuilder().setRequestPut(put("elsewhere/" + writer, v)))
            .build());
        long rev = r.getHeader().getRevision();
        history.put(rev, List.of(putEvent(rev, put(k1, v)), putEvent(rev, put(k2, v + "b")),
            putEvent(rev, put("elsewhere/" + writer, v))));
      }
    }
  }

  private void record(long rev, PutRequest p) {
    history.put(rev, List.of(putEvent(rev, p)));
  }

  private static Event putEvent(long rev, PutRequest p) {
    return Event.newBuilder().setKv(KeyValue.newBuilder().setKey(p.getKey()).setValue(p.getValue())
        .setModRevision(rev)).build();
  }

  /** The acknowledged events at or after {@code from} whose key passes {@code keys}, rendered. */
  private String expected(long from, Predicate<String> keys) {
    List<Event> out = new ArrayList<>();
    history.forEach((rev, evs) -> {
      if (rev >= from) {
        evs.stream().filter(e -> keys.test(e.getKv().getKey().toStringUtf8())).forEach(out::add);
      }
    });
    return render(out);
  }

  /** Type, key, mod revision and value of each event, one per line. */
  private static String render(List<Event> events) {
    StringBuilder b = new StringBuilder();
    for (Event e : events) {
      b.append(e.getType()).append(' ').append(e.getKv().getKey().toStringUtf8()).append(" @")
          .append(e.getKv().getModRevision()).append(' ').append(e.getKv().getValue().toStringUtf8()).append('\n');
    }
    return b.toString();
  }

  private static List<Event> events(List<WatchResponse> responses, long watchId) {
    List<Event> out = new ArrayList<>();
    for (WatchResponse r : responses) {
      if (r.getWatchId() == watchId) {
        out.addAll(r.getEventsList());
      }
    }
    return out;
  }

  private static long lastEventRev(List<WatchResponse> responses, long watchId) {
    List<Event> evs = events(responses, watchId);
    return evs.isEmpty() ? 0 : evs.get(evs.size() - 1).getKv().getModRevision();
  }

  private static boolean isProgress(WatchResponse r) {
    return r.getEventsCount() == 0 && !r.getCreated() && !r.getCanceled() && r.getCompactRevision() == 0;
  }

  /**
   * Each progress response (notification to {@code watchId}, or a progress-request answer with id
   * -1) came after every acknowledged event of the watch up to its revision.
   */
  private void assertProgressTruthful(List<WatchResponse> responses, long watchId, Predicate<String> keys,
      long from) {
    int seen = 0;
    for (WatchResponse r : responses) {
      if (r.getWatchId() == watchId) {
        seen += r.getEventsCount();
      }
      if (isProgress(r) && (r.getWatchId() == watchId || r.getWatchId() == -1)) {
        long rev = r.getHeader().getRevision();
        int due = 0;
        for (Map.Entry<Long, List<Event>> e : history.entrySet()) {
          if (e.getKey() >= from && e.getKey() <= rev) {
            due += (int) e.getValue().stream().filter(ev -> keys.test(ev.getKv().getKey().toStringUtf8())).count();
          }
        }
        assertEquals(due, seen, "events received before a progress response at revision " + rev);
      }
    }
  }

  private static PutRequest put(String k, String v) {
    return PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)).build();
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
