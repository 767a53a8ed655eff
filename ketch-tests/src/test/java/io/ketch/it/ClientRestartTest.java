package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.api.mvccpb.Event;
import io.ketch.client.Client;
import io.ketch.client.cache.KvCache;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.WatchOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of a Ketch server under a ketch-client that is watching, caching and keeping leases
 * alive while another thread writes; then the server restarts on the same data. The watch resumes
 * with exactly the store's history (nothing lost, nothing twice), the cache converges to the
 * store, the short lease's listener is told it was lost, and the long lease rides it out.
 */
class ClientRestartTest {
  private static String transcript(List<Event> events) {
    StringBuilder sb = new StringBuilder();
    events.forEach(e -> sb.append(e.getKv().getModRevision()).append(' ').append(e.getType()).append(' ')
        .append(e.getKv().getKey().toStringUtf8()).append('=').append(e.getKv().getValue().toStringUtf8()).append('\n'));
    return sb.toString();
  }

  @Test
  void watchCacheAndKeepAliveSurviveKillNineAndRestart() throws Exception {
    Path dir = TestDirs.newDir("ketch-client-restart");
    KetchProcess ketch = new KetchProcess(dir, TestDirs.freePort(), TestDirs.freePort(),
        "--experimental-lease-checkpoint-interval", "1s");
    try (Client c = Client.builder().endpoints(ketch.address()).requestTimeout(Duration.ofSeconds(2)).build()) {
      long start = get(c.kv().put(bs("start"), bs("0"))).getHeader().getRevision();
      WatchRecorder resumed = new WatchRecorder();
      c.watch().watch(bs("r/"), WatchOption.builder().withPrefix().withStartRevision(start + 1).build(), resumed);
      KvCache cache = KvCache.start(c, bs("r/"));
      cache.ready().get(10, TimeUnit.SECONDS);
      long longLease = get(c.lease().grant(20)).getID();
      long shortLease = get(c.lease().grant(2)).getID();
      ClientLeaseTest.KeepAliveRecorder longRec = new ClientLeaseTest.KeepAliveRecorder();
      ClientLeaseTest.KeepAliveRecorder shortRec = new ClientLeaseTest.KeepAliveRecorder();
      c.lease().keepAlive(longLease, longRec);
      c.lease().keepAlive(shortLease, shortRec);

      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger acked = new AtomicInteger();
      Thread writer = new Thread(() -> {
        for (int i = 0; !stop.get(); i++) {
          try {
            c.kv().put(bs("r/k" + (i % 10)), bs("v" + i)).get(3, TimeUnit.SECONDS);
            acked.incrementAndGet();
          } catch (Exception e) {
            // the server is down: this put is not acknowledged (it may still have been applied)
          }
        }
      });
      writer.start();
      Thread.sleep(1500);
      ketch.kill();
      Thread.sleep(2500);
      ketch.start();
      int before = acked.get();
      ClientFixture.waitUntil(() -> acked.get() >= before + 50, 20_000);
      stop.set(true);
      writer.join(10_000);
      long last = get(c.kv().put(bs("r/last"), bs("end"))).getHeader().getRevision();

      // the store's own history of the prefix, read afresh from the start revision
      WatchRecorder history = new WatchRecorder();
      try (Client fresh = ClientFixture.client(ketch)) {
        fresh.watch().watch(bs("r/"), WatchOption.builder().withPrefix().withStartRevision(start + 1).build(), history);
        List<Event> all = waitThrough(history, last);
        List<Event> seen = waitThrough(resumed, last);
        assertEquals(transcript(all), transcript(seen), "the resumed watch saw exactly the store's history");
        assertTrue(all.size() > 50, "writes happened before and after the crash: " + all.size());

        cache.waitForRevision(last).get(20, TimeUnit.SECONDS);
        Map<String, String> cached = new TreeMap<>();
        Map<String, String> stored = new TreeMap<>();
        long rev = cache.revision();
        cache.snapshot().forEach((k, v) -> cached.put(k.toStringUtf8(), v.getValue().toStringUtf8()));
        get(fresh.kv().get(bs("r/"), GetOption.builder().withPrefix().withRevision(rev).build())).getKvsList()
            .forEach(kv -> stored.put(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8()));
        assertEquals(stored, cached, "the cache converged");
        cache.close();

        assertTrue(shortRec.lost.isDone(), "the 2 s lease's listener was told it was lost");
        assertFalse(longRec.lost.isDone(), "the 20 s lease was kept alive across the restart");
        assertTrue(get(fresh.lease().timeToLive(longLease, false)).getTTL() > 10);
        assertTrue(longRec.renewals.get() > 0);
      }
    } finally {
      ketch.close();
      TestDirs.delete(dir);
    }
  }

  private static List<Event> waitThrough(WatchRecorder r, long rev) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      List<Event> events = r.events();
      if (!events.isEmpty() && events.get(events.size() - 1).getKv().getModRevision() >= rev) {
        return events;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("watch did not reach revision " + rev + "; got " + r.events().size() + " events");
  }
}
