package io.ketch.client.cache;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.client.Client;
import io.ketch.client.EtcdException;
import io.ketch.client.Watch;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.WatchOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A local copy of every key under a prefix, kept current by a watch: loaded with one read at
 * revision R, then updated by the events from R + 1 on. The copy always equals the store's keys
 * at one revision, {@link #revision()}, and never goes back. Connection losses are ridden out by
 * the client's watch resumption; when the history it needs was compacted, the cache loads
 * everything again and tells its listeners the differences, then {@link Listener#onReload}.
 *
 * <p>Thread-safe. Listeners are called one at a time, in revision order, on the client's
 * threads, with the cache's lock held (so what they read of the cache is what they were told):
 * keep them short, and never make one wait for a lock that is held while calling into the
 * cache (e.g. around {@link #close()}).
 */
public final class KvCache implements AutoCloseable {
  private static final long PROGRESS_RETRY_MS = 200;

  private final Client client;
  private final ByteString prefix;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final TreeMap<ByteString, KeyValue> data = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
  private final TreeMap<Long, List<CompletableFuture<Long>>> waiters = new TreeMap<>();
  private final CompletableFuture<Long> ready = new CompletableFuture<>();
  private final Executor later = CompletableFuture.delayedExecutor(PROGRESS_RETRY_MS, TimeUnit.MILLISECONDS);
  private long revision;
  private Watch.Watcher watcher;
  private boolean closed;
  private int loads;

  /** Hears the cache's changes. */
  public interface Listener {
    /**
     * The first load is done: {@code snapshot} is every key at {@code revision}. Only listeners
     * given to {@link #start(Client, ByteString, Listener)} hear it.
     */
    default void onReady(NavigableMap<ByteString, KeyValue> snapshot, long revision) {}

    /** {@code kv} was created or changed ({@code previous} is null for a new key). */
    default void onPut(KeyValue kv, KeyValue previous) {}

    /** {@code previous} was deleted at {@code revision}. */
    default void onDelete(KeyValue previous, long revision) {}

    /** The cache was loaded afresh at {@code revision} (after a compaction); differences were reported first. */
    default void onReload(long revision) {}
  }

  private KvCache(Client client, ByteString prefix) {
    this.client = client;
    this.prefix = prefix;
  }

  /** Starts caching every key under {@code prefix}; {@link #ready()} completes after the first load. */
  public static KvCache start(Client client, ByteString prefix) {
    KvCache c = new KvCache(client, prefix);
    c.load();
    return c;
  }

  /**
   * Starts caching every key under {@code prefix} with {@code listener} in place from the start:
   * it hears the first load ({@link Listener#onReady}) and then every change.
   */
  public static KvCache start(Client client, ByteString prefix, Listener listener) {
    KvCache c = new KvCache(client, prefix);
    c.listeners.add(listener);
    c.load();
    return c;
  }

  /** Completes with the revision of the first load. */
  public CompletableFuture<Long> ready() {
    return ready;
  }

  /** Adds a listener for changes from now on. */
  public void addListener(Listener l) {
    listeners.add(l);
  }

  /** The revision the cached keys are at (0 before the first load). */
  public synchronized long revision() {
    return revision;
  }

  /** The cached key-value of {@code key}. */
  public synchronized Optional<KeyValue> get(ByteString key) {
    return Optional.ofNullable(data.get(key));
  }

  /** A copy of every cached key-value, in key order, as of {@link #revision()}. */
  public synchronized NavigableMap<ByteString, KeyValue> snapshot() {
    return Collections.unmodifiableNavigableMap(new TreeMap<>(data));
  }

  /**
   * Completes (with the cache's revision) once the cache reflects revision {@code rev} or later:
   * after a write that returned revision {@code rev}, the cache then shows it (read-your-writes).
   */
  public CompletableFuture<Long> waitForRevision(long rev) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    synchronized (this) {
      if (revision >= rev) {
        f.complete(revision);
        return f;
      }
      waiters.computeIfAbsent(rev, r -> new ArrayList<>()).add(f);
    }
    askProgress();
    return f;
  }

  /** Until every waiter is served, asks the server for progress (an idle prefix sees no events). */
  private void askProgress() {
    synchronized (this) {
      if (closed || waiters.isEmpty()) {
        return;
      }
    }
    client.watch().requestProgress();
    later.execute(this::askProgress);
  }

  private void load() {
    int attempt;
    synchronized (this) {
      attempt = ++loads;
    }
    client.kv().get(prefix, GetOption.builder().withPrefix().build()).whenComplete((r, err) -> {
      if (err != null) {
        synchronized (this) {
          if (closed || attempt != loads) {
            return;
          }
        }
        CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(this::load);
        return;
      }
      loaded(r);
    });
  }

  private synchronized void loaded(RangeResponse r) {
    if (closed) {
      return;
    }
    long rev = r.getHeader().getRevision();
    boolean reload = ready.isDone();
    Map<ByteString, KeyValue> fresh = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    r.getKvsList().forEach(kv -> fresh.put(kv.getKey(), kv));
    if (reload) {
      for (KeyValue old : data.values()) {
        if (!fresh.containsKey(old.getKey())) {
          listeners.forEach(l -> l.onDelete(old, rev));
        }
      }
      for (KeyValue kv : fresh.values()) {
        KeyValue old = data.get(kv.getKey());
        if (old == null || old.getModRevision() != kv.getModRevision()) {
          listeners.forEach(l -> l.onPut(kv, old));
        }
      }
    }
    data.clear();
    data.putAll(fresh);
    advance(rev);
    watcher = client.watch().watch(prefix, WatchOption.builder().withPrefix().withPrevKv()
        .withStartRevision(rev + 1).build(), new Watch.Listener() {
          @Override
          public void onNext(WatchResponse w) {
            applied(w);
          }

          @Override
          public void onError(EtcdException e) {
            load();
          }
        });
    if (reload) {
      listeners.forEach(l -> l.onReload(rev));
    } else {
      NavigableMap<ByteString, KeyValue> first = snapshot();
      listeners.forEach(l -> l.onReady(first, rev));
      ready.complete(rev);
    }
  }

  private synchronized void applied(WatchResponse w) {
    if (closed) {
      return;
    }
    if (w.getEventsCount() == 0) {
      if (!w.getCreated() && w.getHeader().getRevision() > revision) {
        confirmProgress(w.getHeader().getRevision());
      }
      return;
    }
    long rev = revision;
    for (Event e : w.getEventsList()) {
      KeyValue kv = e.getKv();
      rev = kv.getModRevision();
      if (e.getType() == Event.EventType.DELETE) {
        KeyValue old = data.remove(kv.getKey());
        if (old != null) {
          long at = rev;
          listeners.forEach(l -> l.onDelete(old, at));
        }
      } else {
        KeyValue old = data.put(kv.getKey(), kv);
        listeners.forEach(l -> l.onPut(kv, old));
      }
    }
    advance(rev);
  }

  /**
   * A progress notification says the watch has seen everything up to {@code rev}. Servers before
   * etcd 3.5 may send one ahead of events still queued (or not yet caught up), so it is checked
   * before the cache claims {@code rev}: at {@code rev} the prefix must hold no key modified after
   * the cache's revision (no missed put) and as many keys as the cache (so no missed delete).
   */
  private void confirmProgress(long rev) {
    long at = revision;
    int size = data.size();
    GetOption count = GetOption.builder().withPrefix().withRevision(rev).withCountOnly().build();
    GetOption newest = GetOption.builder().withPrefix().withRevision(rev).withKeysOnly().withLimit(1)
        .withSort(RangeRequest.SortTarget.MOD, RangeRequest.SortOrder.DESCEND).build();
    client.kv().get(prefix, newest).thenCombine(client.kv().get(prefix, count), (n, all) -> {
      boolean noMissedPut = n.getKvsCount() == 0 || n.getKvs(0).getModRevision() <= at;
      synchronized (this) {
        if (!closed && revision == at && data.size() == size && noMissedPut && all.getCount() == size) {
          advance(rev);
        }
      }
      return null;
    });
  }

  private void advance(long rev) {
    if (rev <= revision) {
      return;
    }
    revision = rev;
    while (!waiters.isEmpty() && waiters.firstKey() <= rev) {
      waiters.pollFirstEntry().getValue().forEach(f -> f.complete(rev));
    }
  }

  /** Stops watching; pending {@link #waitForRevision} futures fail. */
  @Override
  public synchronized void close() {
    closed = true;
    if (watcher != null) {
      watcher.close();
    }
    EtcdException e = new EtcdException(io.grpc.Status.Code.CANCELLED, "cache closed", null);
    waiters.values().forEach(list -> list.forEach(f -> f.completeExceptionally(e)));
    waiters.clear();
    ready.completeExceptionally(e);
  }
}
