package io.ketch.client.impl;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.WatchCancelRequest;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchGrpc;
import io.ketch.api.etcdserverpb.WatchProgressRequest;
import io.ketch.api.etcdserverpb.WatchRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.client.CompactedException;
import io.ketch.client.EtcdException;
import io.ketch.client.Watch;
import io.ketch.client.options.WatchOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link Watch} over one Watch stream per client. Watch IDs are chosen by the client, so a watch
 * keeps its ID across reconnects. Each watch remembers the revision after the last one it
 * delivered and is re-created from there on a new stream. All state is guarded by this object;
 * listeners are called on the connection's listener thread.
 */
public final class WatchImpl implements Watch, AutoCloseable {
  private static final long BROADCAST = -1;

  private final Connection conn;
  private final Map<Long, Sub> subs = new LinkedHashMap<>();
  private long nextId = 1;
  private StreamObserver<WatchRequest> stream;
  private boolean reconnecting;
  private int failures;
  private boolean closed;

  /** The service over {@code conn}. */
  public WatchImpl(Connection conn) {
    this.conn = conn;
  }

  /** One watch: what to create, where to resume, and what is half-received. */
  private final class Sub implements Watcher {
    final long id;
    final WatchCreateRequest create;
    final Listener listener;
    final boolean createdNotify;
    long nextRev;
    long lastDelivered;
    boolean created;
    boolean announced;
    boolean cancelling;
    boolean ended;
    List<Event> fragments;

    Sub(long id, WatchCreateRequest create, Listener listener, boolean createdNotify, long startRev) {
      this.id = id;
      this.create = create;
      this.listener = listener;
      this.createdNotify = createdNotify;
      this.nextRev = startRev;
    }

    @Override
    public long watchId() {
      return id;
    }

    @Override
    public long lastRevision() {
      synchronized (WatchImpl.this) {
        return lastDelivered;
      }
    }

    @Override
    public void close() {
      cancel(this);
    }
  }

  @Override
  public synchronized Watcher watch(ByteString key, WatchOption option, Listener listener) {
    if (closed) {
      throw new IllegalStateException("client closed");
    }
    WatchCreateRequest create = conn.namespace().in(option.toRequest(key));
    Sub sub = new Sub(nextId++, create, listener, option.createdNotify(), option.startRevision());
    subs.put(sub.id, sub);
    if (stream != null) {
      sendCreate(sub);
    } else if (!reconnecting) {
      connect();
    }
    return sub;
  }

  @Override
  public synchronized void requestProgress() {
    if (stream != null) {
      stream.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    }
  }

  private void sendCreate(Sub sub) {
    sub.created = false;
    sub.fragments = null;
    stream.onNext(WatchRequest.newBuilder()
        .setCreateRequest(sub.create.toBuilder().setWatchId(sub.id).setStartRevision(sub.nextRev))
        .build());
  }

  private synchronized void cancel(Sub sub) {
    if (sub.ended || sub.cancelling) {
      return;
    }
    if (stream != null) {
      // a watch not yet created is cancelled when the server's "created" arrives
      sub.cancelling = true;
      if (sub.created) {
        sendCancel(sub);
      }
    } else {
      end(sub, null);
      closeStreamIfIdle();
    }
  }

  private void sendCancel(Sub sub) {
    stream.onNext(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(sub.id)).build());
  }

  private void end(Sub sub, EtcdException error) {
    if (sub.ended) {
      return;
    }
    sub.ended = true;
    subs.remove(sub.id);
    Listener l = sub.listener;
    conn.listeners().execute(() -> {
      if (error == null) {
        l.onCompleted();
      } else {
        l.onError(error);
      }
    });
  }

  private void deliver(Sub sub, WatchResponse r) {
    WatchResponse out = conn.namespace().out(r);
    Listener l = sub.listener;
    conn.listeners().execute(() -> l.onNext(out));
  }

  private void closeStreamIfIdle() {
    if (subs.isEmpty() && stream != null) {
      StreamObserver<WatchRequest> s = stream;
      stream = null;
      s.onCompleted();
    }
  }

  private void connect() {
    if (conn.needsToken()) {
      reconnecting = true;
      conn.authenticate().whenComplete((v, err) -> reconnectLater(err == null ? 0 : backoff()));
      return;
    }
    stream = conn.stream(WatchGrpc.getWatchMethod(), this::received, this::broken);
    for (Sub sub : new ArrayList<>(subs.values())) {
      sendCreate(sub);
    }
  }

  private long backoff() {
    failures++;
    return Math.min(2000, 50L << Math.min(failures, 6));
  }

  private void reconnectLater(long delayMs) {
    if (conn.scheduler().isShutdown()) {
      return;
    }
    conn.scheduler().schedule(() -> {
      synchronized (WatchImpl.this) {
        reconnecting = false;
        if (!closed && stream == null && !subs.isEmpty()) {
          connect();
        }
      }
    }, delayMs, TimeUnit.MILLISECONDS);
  }

  private synchronized void broken(StreamObserver<WatchRequest> which, EtcdException e) {
    if (stream != which) {
      return;
    }
    stream = null;
    for (Sub sub : new ArrayList<>(subs.values())) {
      if (sub.cancelling) {
        end(sub, null);
      }
    }
    if (closed || subs.isEmpty()) {
      return;
    }
    reconnecting = true;
    if (e != null && conn.isInvalidToken(e)) {
      conn.authenticate().whenComplete((v, err) -> reconnectLater(backoff()));
    } else {
      reconnectLater(backoff());
    }
  }

  private synchronized void received(StreamObserver<WatchRequest> which, WatchResponse r) {
    if (stream != which) {
      return;
    }
    failures = 0;
    if (r.getWatchId() == BROADCAST && !r.getCreated() && !r.getCanceled()) {
      subs.values().stream().filter(s -> s.created).forEach(s -> deliver(s, r));
      return;
    }
    Sub sub = subs.get(r.getWatchId());
    if (sub == null) {
      return;
    }
    long headerRev = r.getHeader().getRevision();
    if (r.getCreated()) {
      sub.created = true;
      if (sub.nextRev == 0) {
        sub.nextRev = headerRev + 1;
      }
      if (sub.cancelling && !r.getCanceled()) {
        sendCancel(sub);
        return;
      }
      if (sub.createdNotify && !sub.announced && !r.getCanceled()) {
        sub.announced = true;
        deliver(sub, r);
      }
    }
    if (r.getCanceled()) {
      if (r.getCompactRevision() != 0) {
        end(sub, new CompactedException(r.getCompactRevision()));
      } else if (sub.cancelling) {
        end(sub, null);
      } else {
        String reason = r.getCancelReason().isEmpty() ? "watch canceled by the server" : r.getCancelReason();
        end(sub, new EtcdException(Status.Code.FAILED_PRECONDITION, reason, null));
      }
      closeStreamIfIdle();
      return;
    }
    if (r.getCreated() || sub.cancelling) {
      return;
    }
    if (r.getFragment()) {
      if (sub.fragments == null) {
        sub.fragments = new ArrayList<>();
      }
      sub.fragments.addAll(r.getEventsList());
      return;
    }
    List<Event> events = r.getEventsList();
    if (sub.fragments != null) {
      sub.fragments.addAll(events);
      events = sub.fragments;
      sub.fragments = null;
    }
    if (events.isEmpty()) {
      if (sub.created && headerRev + 1 > sub.nextRev) {
        sub.nextRev = headerRev + 1;
      }
      deliver(sub, r);
      return;
    }
    boolean reassembled = events != r.getEventsList();
    if (events.get(0).getKv().getModRevision() < sub.nextRev) {
      // a revision delivered before a reconnect: drop what was seen
      List<Event> fresh = new ArrayList<>(events.size());
      for (Event e : events) {
        if (e.getKv().getModRevision() >= sub.nextRev) {
          fresh.add(e);
        }
      }
      if (fresh.isEmpty()) {
        return;
      }
      events = fresh;
      reassembled = true;
    }
    long last = events.get(events.size() - 1).getKv().getModRevision();
    sub.nextRev = last + 1;
    sub.lastDelivered = last;
    deliver(sub, reassembled ? r.toBuilder().clearEvents().addAllEvents(events).setFragment(false).build() : r);
  }

  /** Ends every watch (listeners hear {@code onCompleted}) and closes the stream. */
  @Override
  public synchronized void close() {
    closed = true;
    for (Sub sub : new ArrayList<>(subs.values())) {
      end(sub, null);
    }
    if (stream != null) {
      StreamObserver<WatchRequest> s = stream;
      stream = null;
      s.onCompleted();
    }
  }
}
