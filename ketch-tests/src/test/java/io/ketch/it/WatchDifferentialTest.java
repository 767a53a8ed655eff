package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differential suite with watches: the random KV sequences of {@link KvDifferentialTest}, with
 * watches opened along the way on three streams per server (single keys, prefixes, ranges, from-key
 * and all keys; past, compacted, current and future start revisions; prev_kv; filters; chosen and
 * duplicate ids; cancels). At the end every watch's complete event stream must be identical on etcd
 * and Ketch, and Ketch's must be ordered, free of duplicates and atomic per revision.
 */
class WatchDifferentialTest {
  private static final int OPS_PER_SEED = 1200;
  private static final int STREAMS = 3;
  private static final int WATCH_EVERY = 60;
  /** Both servers catch a new watch up from history in the background (etcd every 100 ms). */
  private static final long CATCH_UP_MILLIS = 300;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {7, 8, 20261122})
  void watchStreamsMatchEtcd(long seed) throws Exception {
    try (Differential d = new Differential()) {
      List<WatchCaller> etcdStreams = new ArrayList<>();
      List<WatchCaller> ketchStreams = new ArrayList<>();
      try {
        for (int i = 0; i < STREAMS; i++) {
          etcdStreams.add(new WatchCaller(d.etcd()));
          ketchStreams.add(new WatchCaller(d.ketch()));
        }
        Random rnd = new Random(seed * 31 + 1);
        d.runRandom(seed, OPS_PER_SEED, (i, req, gen) -> {
          try {
            if (req instanceof CompactionRequest) {
              // etcd looks prev_kv up when it sends an event: let it send before history goes
              Thread.sleep(30);
            }
            if (i % WATCH_EVERY == 0) {
              int s = rnd.nextInt(STREAMS);
              if (rnd.nextInt(5) == 0) {
                long id = rnd.nextInt(12);
                etcdStreams.get(s).cancel(id);
                ketchStreams.get(s).cancel(id);
              }
              WatchCreateRequest c = randomWatch(rnd, gen);
              etcdStreams.get(s).create(c);
              ketchStreams.get(s).create(c);
              Thread.sleep(CATCH_UP_MILLIS);
            }
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
        for (int i = 0; i < STREAMS; i++) {
          List<WatchResponse> expected = etcdStreams.get(i).settle(800);
          List<WatchResponse> actual = ketchStreams.get(i).settle(800);
          assertEquals(render(expected), render(actual), "seed " + seed + " stream " + i);
          assertNull(ketchStreams.get(i).error());
          if (Boolean.getBoolean("ketch.it.printTranscripts")) {
            System.out.println("=== stream " + i + "\n" + render(actual));
          }
          checkInvariants(actual);
        }
      } finally {
        etcdStreams.forEach(WatchCaller::close);
        ketchStreams.forEach(WatchCaller::close);
      }
    }
  }

  static WatchCreateRequest randomWatch(Random rnd, KvOpGenerator gen) {
    WatchCreateRequest.Builder c = WatchCreateRequest.newBuilder();
    switch (rnd.nextInt(6)) {
      case 0 -> c.setKey(bs("a/" + rnd.nextInt(10)));
      case 1 -> c.setKey(bs(List.of("x", "y", "z").get(rnd.nextInt(3))));
      case 2 -> c.setKey(bs(rnd.nextBoolean() ? "a/" : "b/")).setRangeEnd(bs(rnd.nextBoolean() ? "a0" : "b0"));
      case 3 -> c.setKey(bs("a/" + rnd.nextInt(5))).setRangeEnd(bs("b/" + rnd.nextInt(10)));
      case 4 -> c.setKey(bs("b/" + rnd.nextInt(10))).setRangeEnd(ByteString.copyFrom(new byte[1]));
      default -> c.setRangeEnd(ByteString.copyFrom(new byte[1]));
    }
    int p = rnd.nextInt(10);
    if (p < 3) {
      c.setStartRevision(0);
    } else if (p < 5 && gen.compacted > 1) {
      c.setStartRevision(1 + rnd.nextInt((int) gen.compacted + 2)); // around the compaction
    } else if (p < 9) {
      long from = Math.max(1, gen.compacted);
      c.setStartRevision(from + rnd.nextInt((int) Math.max(1, gen.rev - from + 3)));
    } else {
      c.setStartRevision(gen.rev + 1 + rnd.nextInt(3));
    }
    c.setPrevKv(rnd.nextBoolean());
    if (rnd.nextInt(5) == 0) {
      c.addFilters(WatchCreateRequest.FilterType.NOPUT);
    }
    if (rnd.nextInt(5) == 0) {
      c.addFilters(WatchCreateRequest.FilterType.NODELETE);
    }
    if (rnd.nextInt(4) == 0) {
      c.setWatchId(1 + rnd.nextInt(12));
    }
    return c.build();
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /**
   * Each watch's stream as lines: every event on its own line (how events are grouped into responses
   * may differ during catch-up), every other response with its header.
   */
  static String render(List<WatchResponse> responses) {
    Map<Long, List<String>> byId = new TreeMap<>();
    for (WatchResponse r : responses) {
      List<String> lines = byId.computeIfAbsent(r.getWatchId(), k -> new ArrayList<>());
      if (r.getEventsCount() == 0) {
        lines.add("response " + TextFormat.shortDebugString(WatchCaller.normalize(r)));
      }
      for (Event e : r.getEventsList()) {
        lines.add("event " + TextFormat.shortDebugString(e));
      }
    }
    StringBuilder b = new StringBuilder();
    byId.forEach((id, lines) -> lines.forEach(l -> b.append(id).append(": ").append(l).append('\n')));
    return b.toString();
  }

  /** Per watch (an id taken again counts as a new watch): revisions never go down, no event twice, all events of a revision in one response. */
  static void checkInvariants(List<WatchResponse> responses) {
    Map<Long, Long> lastRev = new HashMap<>();
    Map<Long, Set<String>> seen = new HashMap<>();
    Map<Long, Map<Long, Integer>> responseOfRev = new HashMap<>();
    int n = 0;
    for (WatchResponse r : responses) {
      n++;
      if (r.getCreated()) {
        // a canceled watch's id may be taken again: a new watch starts here
        lastRev.remove(r.getWatchId());
        seen.remove(r.getWatchId());
        responseOfRev.remove(r.getWatchId());
      }
      for (Event e : r.getEventsList()) {
        long id = r.getWatchId();
        long rev = e.getKv().getModRevision();
        long last = lastRev.getOrDefault(id, 0L);
        assertTrue(rev >= last, "watch " + id + ": revision " + rev + " after " + last);
        lastRev.put(id, rev);
        assertTrue(seen.computeIfAbsent(id, k -> new HashSet<>()).add(TextFormat.shortDebugString(e)),
            "watch " + id + ": event twice: " + TextFormat.shortDebugString(e));
        Integer first = responseOfRev.computeIfAbsent(id, k -> new HashMap<>()).putIfAbsent(rev, n);
        assertTrue(first == null || first == n || r.getFragment(),
            "watch " + id + ": events of revision " + rev + " split over responses");
        assertTrue(r.getHeader().getRevision() >= rev, "header revision below an event's");
      }
    }
  }
}
