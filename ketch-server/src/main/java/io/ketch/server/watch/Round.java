package io.ketch.server.watch;

import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.server.mvcc.KvStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one round of the hub (a dispatch of published events, or a catch-up from history) shares
 * between the watchers it serves: the response header and its encoding, each event's prev_kv
 * (looked up once), and the streams given responses (woken once at the end). Hub thread only.
 */
final class Round {
  final ResponseHeader header;
  final byte[] headerField;
  /** Streams given responses in this round: each is flushed once at the end. */
  final Set<WatchStream> touched = Collections.newSetFromMap(new IdentityHashMap<>());
  private final Map<Event, Event> withPrev = new IdentityHashMap<>();
  private final KvStore kv;

  Round(ResponseHeader header, KvStore kv) {
    this.header = header;
    this.headerField = EncodedResponse.headerField(header);
    this.kv = kv;
  }

  /** The events {@code w}'s filters let through, with prev_kv if it asked. */
  List<Event> visible(Watcher w, List<Event> evs) {
    List<Event> out = new ArrayList<>(evs.size());
    for (Event e : evs) {
      if (w.accepts(e)) {
        out.add(w.prevKv ? withPrev.computeIfAbsent(e, this::withPrevKv) : e);
      }
    }
    return out;
  }

  /** {@code e} with the key's previous value, as etcd's watch server looks it up (none for a create). */
  private Event withPrevKv(Event e) {
    KeyValue now = e.getKv();
    if (e.getType() == Event.EventType.PUT && now.getCreateRevision() == now.getModRevision()) {
      return e;
    }
    KeyValue prev = kv.valueAt(now.getKey().toByteArray(), now.getModRevision() - 1);
    return prev == null ? e : e.toBuilder().setPrevKv(prev).build();
  }

  /** Wakes the sender of every stream given responses. */
  void flush() {
    touched.forEach(WatchStream::flush);
  }
}
