package io.ketch.server.watch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.ketch.api.etcdserverpb.WatchResponse;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client's Watch stream: the watches it carries and a bounded buffer of responses on their way
 * to the client.
 *
 * <p>The hub thread appends responses in the order the client must see them; a sender thread hands
 * them to gRPC only while the transport is ready, so a client that stops reading fills this buffer
 * and no more. Event responses are refused once the buffer holds {@link #limitBytes} (their watcher
 * then becomes a victim); control responses (created, canceled, progress) are always taken, as they
 * come one per client request.
 *
 * <p>An event response for a watcher whose previous event response is still buffered is merged into
 * it (the client gets one larger response instead of two), unless a control response was queued in
 * between: merging never moves events ahead of a response queued before them.
 */
final class WatchStream {
  private final ServerCallStreamObserver<EncodedResponse> out;
  private final Executor sender;
  private final long limitBytes;
  private final Runnable onRoom;
  /** Bytes buffered over every stream (shared with the store, for metrics). */
  private final AtomicLong allQueuedBytes;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  // @GuardedBy("this")
  private final ArrayDeque<EncodedResponse> queue = new ArrayDeque<>();
  /** Per watch id, its buffered event response that later ones may merge into. @GuardedBy("this") */
  private final Map<Long, EncodedResponse> open = new HashMap<>();
  private volatile long queuedBytes;
  private volatile Status endStatus;
  private volatile boolean ended;
  private volatile boolean wasFull;

  /** The stream's watches by id (hub thread only). */
  final Map<Long, Watcher> watchers = new HashMap<>();
  /** The next id to try for a server-assigned watch id (hub thread only). */
  long nextId;
  /** A progress request waits until every watcher on the stream is synced (hub thread only). */
  boolean progressRequested;

  WatchStream(ServerCallStreamObserver<EncodedResponse> out, Executor sender, long limitBytes, AtomicLong allQueuedBytes,
      Runnable onRoom) {
    this.out = out;
    this.sender = sender;
    this.limitBytes = limitBytes;
    this.allQueuedBytes = allQueuedBytes;
    this.onRoom = onRoom;
  }

  /** Whether event responses are taken now. */
  boolean hasRoom() {
    return queuedBytes < limitBytes;
  }

  /** Appends event responses; false (nothing taken) when the buffer is full. */
  boolean offer(List<EncodedResponse> responses) {
    if (!hasRoom()) {
      wasFull = true;
      return false;
    }
    synchronized (this) {
      for (EncodedResponse r : responses) {
        EncodedResponse into = r.mergeable() ? open.get(r.watchId()) : null;
        if (into != null) {
          int before = into.size();
          into.merge(r.head(), r.events());
          account(into.size() - before);
        } else {
          enqueue(r);
          if (r.mergeable()) {
            open.put(r.watchId(), r);
          }
        }
      }
    }
    schedule();
    return true;
  }

  /**
   * Appends an event response for watch {@code watchId} from shared parts, merged into its buffered
   * one when there is one; false (nothing taken) when the buffer is full.
   */
  boolean offerEvents(long watchId, byte[] headerField, byte[] eventsField, boolean mergeable) {
    if (!hasRoom()) {
      wasFull = true;
      return false;
    }
    synchronized (this) {
      EncodedResponse into = mergeable ? open.get(watchId) : null;
      if (into != null) {
        int before = into.size();
        into.merge(headerField, eventsField);
        account(into.size() - before);
      } else {
        EncodedResponse r = EncodedResponse.events(headerField, watchId, eventsField, mergeable);
        enqueue(r);
        if (mergeable) {
          open.put(watchId, r);
        }
      }
    }
    schedule();
    return true;
  }

  /** Appends a control response, whatever the buffer holds. */
  void control(WatchResponse r) {
    synchronized (this) {
      open.clear();
      enqueue(EncodedResponse.of(r));
    }
    schedule();
  }

  // @GuardedBy("this")
  private void enqueue(EncodedResponse r) {
    if (ended) {
      return;
    }
    queue.add(r);
    account(r.size());
  }

  // @GuardedBy("this")
  private void account(long delta) {
    queuedBytes += delta;
    allQueuedBytes.addAndGet(delta);
  }

  private synchronized EncodedResponse poll() {
    EncodedResponse r = queue.poll();
    if (r != null) {
      open.remove(r.watchId(), r);
      account(-r.size());
    }
    return r;
  }

  private synchronized boolean isEmpty() {
    return queue.isEmpty();
  }

  private synchronized void discard() {
    queue.clear();
    open.clear();
    account(-queuedBytes);
  }

  /** The transport can take more: called by gRPC. */
  void onReady() {
    schedule();
  }

  /** Ends the stream: with {@code status} (an error to the client), or silently when it is null. */
  void end(Status status) {
    endStatus = status;
    ended = true;
    schedule();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      sender.execute(this::drain);
    }
  }

  private void drain() {
    try {
      while (!ended && out.isReady()) {
        EncodedResponse r = poll();
        if (r == null) {
          break;
        }
        out.onNext(r);
      }
      if (ended) {
        discard();
        Status s = endStatus;
        endStatus = null;
        if (s != null && !out.isCancelled()) {
          out.onError(s.asRuntimeException());
        }
      }
    } catch (RuntimeException e) {
      // the call went away under us; the cancel handler ends the stream
      ended = true;
      discard();
    } finally {
      scheduled.set(false);
    }
    if (wasFull && hasRoom()) {
      wasFull = false;
      onRoom.run();
    }
    if (ended ? endStatus != null : !isEmpty() && out.isReady()) {
      schedule();
    }
  }
}
