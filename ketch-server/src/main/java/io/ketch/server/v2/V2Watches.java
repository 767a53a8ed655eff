package io.ketch.server.v2;

import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchGrpc;
import io.ketch.api.etcdserverpb.WatchRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * v2 watches ({@code wait=true}) on a v3 watch of the event key ({@link V2Keyspace#EVENT}), whose
 * history is the v2 event history: from the revision of {@code waitIndex} when that index is past
 * (the first matching event answers at once), else from now. etcd keeps the last 1000 events; an
 * index older than that is refused as etcd refuses it (401), as is one whose history was compacted.
 */
final class V2Watches {
  /** etcd's v2 event history holds this many events. */
  static final long HISTORY = 1000;

  /** What a watch delivers to. */
  interface Listener {
    /** The watch started at store index {@code startIndex} (etcd's X-Etcd-Index for it). */
    void started(long startIndex);

    void event(V2Event e);

    /** The watch ended without being cancelled (the v3 watch was cancelled or failed). */
    void ended();
  }

  private final V2Store store;
  private final Channel channel;
  private final java.util.concurrent.atomic.AtomicLong active = new java.util.concurrent.atomic.AtomicLong();

  V2Watches(V2Store store, Channel channel) {
    this.store = store;
    this.channel = channel;
  }

  /** Watches waiting now. */
  long active() {
    return active.get();
  }

  /**
   * Starts a watch of {@code key}; blocking until it is registered. Throws {@link V2Error} when the
   * index is out of the history. Returns what cancels it.
   */
  Runnable watch(String key, boolean recursive, boolean stream, long waitIndex, Listener listener) {
    V2Store.At now = store.index();
    long current = now.index();
    long since = waitIndex == 0 ? current + 1 : waitIndex;
    long from;
    if (since > current) {
      from = now.revision() + 1;
    } else {
      long oldest = Math.max(1, current - HISTORY + 1);
      from = since < oldest ? -1 : store.revisionOf(since, now.revision());
      if (from < 0) {
        throw new V2Error(V2Error.EVENT_INDEX_CLEARED,
            "the requested history has been cleared [" + oldest + "/" + since + "]", current);
      }
    }
    listener.started(current);
    AtomicBoolean done = new AtomicBoolean();
    active.incrementAndGet();
    final ClientCallStreamObserver<WatchRequest>[] requests = new ClientCallStreamObserver[1];
    WatchGrpc.newStub(channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchRequest> r) {
        requests[0] = r;
      }

      @Override
      public void onNext(WatchResponse r) {
        if (r.getCanceled()) {
          finish();
          return;
        }
        for (Event ev : r.getEventsList()) {
          if (done.get() || ev.getType() != Event.EventType.PUT) {
            continue;
          }
          V2Event e = V2Event.decode(ev.getKv().getValue());
          if (e.index() >= since && e.concerns(key, recursive, e.index() <= current)) {
            listener.event(e);
            if (!stream) {
              finish();
              return;
            }
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        finish();
      }

      @Override
      public void onCompleted() {
        finish();
      }

      private void finish() {
        if (done.compareAndSet(false, true)) {
          active.decrementAndGet();
          requests[0].cancel("v2 watch answered", null);
          listener.ended();
        }
      }
    }).onNext(WatchRequest.newBuilder().setCreateRequest(
        WatchCreateRequest.newBuilder().setKey(V2Keyspace.EVENT).setStartRevision(from)).build());
    return () -> {
      if (done.compareAndSet(false, true)) {
        active.decrementAndGet();
        requests[0].cancel("v2 watch closed", null);
      }
    };
  }
}
