package io.ketch.server.concurrency;

import com.google.protobuf.ByteString;
import io.ketch.api.mvccpb.Event;
import io.ketch.server.mvcc.EventSink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Live change notifications for the server-side recipes (Lock, Election): listeners on one key or
 * on a key prefix hear every published event on it. There is no history: a recipe subscribes first
 * and then reads the current state, so a change is either in what it reads or in what it hears.
 *
 * <p>Fed on the apply thread; listeners run on {@code executor} (a single thread keeps each
 * listener's events in revision order), never on the apply thread.
 */
public final class KeyChanges implements EventSink {
  private final Executor executor;
  private final Map<ByteString, List<Consumer<Event>>> byKey = new ConcurrentHashMap<>();
  private final List<PrefixListener> byPrefix = new CopyOnWriteArrayList<>();

  private record PrefixListener(ByteString prefix, Consumer<Event> listener) {}

  /** Ends a subscription; idempotent. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  public KeyChanges(Executor executor) {
    this.executor = executor;
  }

  /** Calls {@code listener} with every event on {@code key} from now until closed. */
  public Subscription onKey(ByteString key, Consumer<Event> listener) {
    byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(listener);
    return () -> byKey.computeIfPresent(key, (k, list) -> {
      list.remove(listener);
      return list.isEmpty() ? null : list;
    });
  }

  /** Calls {@code listener} with every event on a key starting with {@code prefix} until closed. */
  public Subscription onPrefix(ByteString prefix, Consumer<Event> listener) {
    PrefixListener p = new PrefixListener(prefix, listener);
    byPrefix.add(p);
    return () -> byPrefix.remove(p);
  }

  /** Number of live subscriptions (leak checks). */
  public int subscriptions() {
    int n = byPrefix.size();
    for (List<Consumer<Event>> l : byKey.values()) {
      n += l.size();
    }
    return n;
  }

  @Override
  public void published(long rev, List<Event> events) {
    if (byKey.isEmpty() && byPrefix.isEmpty()) {
      return;
    }
    for (Event e : events) {
      ByteString key = e.getKv().getKey();
      List<Consumer<Event>> listeners = byKey.get(key);
      if (listeners != null) {
        for (Consumer<Event> l : listeners) {
          executor.execute(() -> l.accept(e));
        }
      }
      for (PrefixListener p : byPrefix) {
        if (key.startsWith(p.prefix())) {
          executor.execute(() -> p.listener().accept(e));
        }
      }
    }
  }
}
