package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.client.Client;
import io.ketch.client.cache.KvCache;
import io.ketch.client.options.DeleteOption;
import io.ketch.client.options.GetOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * KvCache against etcd and Ketch: it equals the store at its revision, tells its listeners every
 * change, serves read-your-writes through waitForRevision, rides out a cut connection, and reloads
 * (reporting the differences) when the history it needs was compacted.
 */
class KvCacheTest extends EtcdAndKetch {
  /** Records the listener's view: a map rebuilt only from the callbacks. */
  static final class Mirror implements KvCache.Listener {
    final Map<String, String> view = new TreeMap<>();
    final List<Long> reloads = new CopyOnWriteArrayList<>();

    Mirror(Map<ByteString, KeyValue> initial) {
      initial.forEach((k, v) -> view.put(k.toStringUtf8(), v.getValue().toStringUtf8()));
    }

    @Override
    public synchronized void onPut(KeyValue kv, KeyValue previous) {
      view.put(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8());
    }

    @Override
    public synchronized void onDelete(KeyValue previous, long revision) {
      view.remove(previous.getKey().toStringUtf8());
    }

    @Override
    public void onReload(long revision) {
      reloads.add(revision);
    }

    synchronized Map<String, String> view() {
      return new TreeMap<>(view);
    }
  }

  /** The cache's keys at its revision equal the store's keys at that revision. */
  private static void assertMatchesStore(Client c, KvCache cache, String prefix, String who) throws Exception {
    long rev;
    Map<String, String> cached = new TreeMap<>();
    synchronized (cache) {
      rev = cache.revision();
      cache.snapshot().forEach((k, v) -> cached.put(k.toStringUtf8(), v.getValue().toStringUtf8()));
    }
    RangeResponse r = get(c.kv().get(bs(prefix), GetOption.builder().withPrefix().withRevision(rev).build()));
    Map<String, String> stored = new TreeMap<>();
    r.getKvsList().forEach(kv -> stored.put(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8()));
    assertEquals(stored, cached, who + " at revision " + rev);
  }

  @Test
  void loadsFollowsAndServesReadYourWrites() throws Exception {
    for (Endpoint server : servers()) {
      try (Client c = ClientFixture.client(server)) {
        get(c.kv().put(bs("cache/a"), bs("1")));
        get(c.kv().put(bs("cache/b"), bs("2")));
        get(c.kv().put(bs("cachez"), bs("outside")));
        try (KvCache cache = KvCache.start(c, bs("cache/"))) {
          long first = cache.ready().get(10, TimeUnit.SECONDS);
          assertEquals(2, cache.snapshot().size());
          Mirror mirror = new Mirror(cache.snapshot());
          cache.addListener(mirror);
          assertMatchesStore(c, cache, "cache/", server.name());
          for (int i = 0; i < 30; i++) {
            long rev = i % 4 == 3
                ? get(c.kv().delete(bs("cache/" + (char) ('a' + i % 5)))).getHeader().getRevision()
                : get(c.kv().put(bs("cache/" + (char) ('a' + i % 5)), bs("v" + i))).getHeader().getRevision();
            assertTrue(cache.waitForRevision(rev).get(10, TimeUnit.SECONDS) >= rev);
            assertMatchesStore(c, cache, "cache/", server.name());
          }
          // a write elsewhere: the idle cache still reaches its revision (progress)
          long elsewhere = get(c.kv().put(bs("other"), bs("x"))).getHeader().getRevision();
          assertEquals(elsewhere, (long) cache.waitForRevision(elsewhere).get(10, TimeUnit.SECONDS));
          assertTrue(cache.revision() > first);
          Map<String, String> expected = new TreeMap<>();
          cache.snapshot().forEach((k, v) -> expected.put(k.toStringUtf8(), v.getValue().toStringUtf8()));
          assertEquals(expected, mirror.view(), server.name() + ": listeners saw every change");
        }
      }
    }
  }

  @Test
  void survivesCutsAndReloadsAfterCompaction() throws Exception {
    for (Endpoint server : servers()) {
      try (TcpProxy proxy = new TcpProxy(server.address());
           Client cached = Client.builder().endpoints(proxy.address()).build();
           Client writer = ClientFixture.client(server);
           KvCache cache = KvCache.start(cached, bs("cc/"))) {
        cache.ready().get(10, TimeUnit.SECONDS);
        Mirror mirror = new Mirror(cache.snapshot());
        cache.addListener(mirror);
        get(writer.kv().put(bs("cc/keep"), bs("1")));
        get(writer.kv().put(bs("cc/gone"), bs("1")));
        // a cut: the watch resumes, nothing lost
        proxy.cut();
        get(writer.kv().put(bs("cc/keep"), bs("2")));
        long rev = get(writer.kv().put(bs("cc/new"), bs("1"))).getHeader().getRevision();
        proxy.restore();
        cache.waitForRevision(rev).get(20, TimeUnit.SECONDS);
        assertMatchesStore(writer, cache, "cc/", server.name());
        assertEquals(List.of(), mirror.reloads);
        // a cut while the history is compacted away: the cache reloads and reports the differences
        proxy.cut();
        get(writer.kv().delete(bs("cc/gone"), DeleteOption.DEFAULT));
        get(writer.kv().put(bs("cc/keep"), bs("3")));
        long last = get(writer.kv().put(bs("cc/late"), bs("1"))).getHeader().getRevision();
        get(writer.kv().compact(last, true));
        proxy.restore();
        cache.waitForRevision(last).get(20, TimeUnit.SECONDS);
        assertMatchesStore(writer, cache, "cc/", server.name());
        ClientFixture.waitUntil(() -> !mirror.reloads.isEmpty(), 5000);
        assertEquals(1, mirror.reloads.size(), server.name() + ": one reload");
        assertEquals(Map.of("cc/keep", "3", "cc/new", "1", "cc/late", "1"), mirror.view(), server.name());
      }
    }
  }
}
