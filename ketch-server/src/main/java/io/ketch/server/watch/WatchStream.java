package io.ketch.server.watch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.ketch.api.etcdserverpb.WatchResponse;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's Watch stream: the watches it carries and a bounded buffer of responses on their way
 * to the client.
 *
 * <p>The hub thread appends responses in the order the client must see them; the sender (the event
 * loop of the client's connection) hands them to gRPC only while the transport is ready, so a client
 * that stops reading fills this buffer and no more, and at a pace that lets a busy stream's responses
 * grow rather than multiply (see {@link #PACE_PER_RESPONSE_NANOS}). Event responses are refused once
 * the buffer holds {@link #limitBytes} (their watcher then becomes a victim); control responses
 * (created, canceled, progress) are always taken, as they come one per client request.
 *
 * <p>An event response for a watcher whose previous event response is still buffered is merged into
 * it (the client gets one larger response instead of two), unless a control response was queued in
 * between: merging never moves events ahead of a response queued before them.
 */
final class WatchStream {
  private static final Logger LOG = LoggerFactory.getLogger(WatchStream.class);
  /**
   * Pacing: a send of n responses puts the stream's next send n times this far out (at most
   * {@link #MAX_PACE_NANOS} from now). A watch response costs mostly per message, for the server and
   * the client alike, so a busy stream sends at most about a thousand responses a second and each
   * watcher's response gathers the events of several rounds meanwhile; a stream that was quiet sends
   * at once.
   */
  static final long PACE_PER_RESPONSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  static final long MAX_PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private final ServerCallStreamObserver<EncodedResponse> out;
  private final ScheduledExecutorService sender;
  /** The earliest time a paced drain may run. */
  private volatile long nextPacedNanos;
  private final long limitBytes;
  private final Runnable onRoom;
  /** Bytes buffered over every stream (shared with the store, for metrics). */
  private final AtomicLong allQueuedBytes;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  // @GuardedBy("this")
  private final ArrayDeque<EncodedResponse> queue = new ArrayDeque<>();
  /** Bumped by every control response: buffered responses from before it take no more merges. */
  private long epoch;
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

  WatchStream(ServerCallStreamObserver<EncodedResponse> out, ScheduledExecutorService sender, long limitBytes, AtomicLong allQueuedBytes,
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
  boolean offer(Watcher w, List<EncodedResponse> responses) {
    if (!hasRoom()) {
      wasFull = true;
      return false;
    }
    synchronized (this) {
      for (EncodedResponse r : responses) {
        EncodedResponse into = mergeTarget(w, r.mergeable());
        if (into != null) {
          int before = into.size();
          into.merge(r.head(), r.events());
          account(into.size() - before);
        } else {
          enqueue(r);
          keepOpen(w, r);
        }
      }
    }
    schedulePaced();
    return true;
  }

  /** {@code w}'s buffered response that a new one may merge into, or null. @GuardedBy("this") */
  private EncodedResponse mergeTarget(Watcher w, boolean mergeable) {
    EncodedResponse open = w.open;
    return mergeable && open != null && !open.sent() && w.openEpoch == epoch ? open : null;
  }

  // @GuardedBy("this")
  private void keepOpen(Watcher w, EncodedResponse r) {
    w.open = r.mergeable() ? r : null;
    w.openEpoch = epoch;
  }

  /**
   * Appends an event response for {@code w} from shared parts, merged into its buffered one when
   * there is one; false (nothing taken) when the buffer is full. The caller calls {@link #flush}
   * once it has offered everything of a round, so a round wakes the sender once per stream.
   */
  boolean offerEvents(Watcher w, byte[] headerField, byte[] eventsField, boolean mergeable) {
    if (!hasRoom()) {
      wasFull = true;
      return false;
    }
    synchronized (this) {
      EncodedResponse into = mergeTarget(w, mergeable);
      if (into != null) {
        int before = into.size();
        into.merge(headerField, eventsField);
        account(into.size() - before);
      } else {
        EncodedResponse r = EncodedResponse.events(headerField, w.id, eventsField, mergeable);
        enqueue(r);
        keepOpen(w, r);
      }
    }
    return true;
  }

  /** Bytes waiting to be sent. */
  long queuedBytes() {
    return queuedBytes;
  }

  /** The sender's state, for diagnostics. */
  String describeSender() {
    return " queued=" + queueSize() + " scheduled=" + scheduled.get() + " ready=" + out.isReady() + " ended=" + ended;
  }

  private synchronized int queueSize() {
    return queue.size();
  }

  /** Has the sender send what {@link #offerEvents} appended, when the pace allows. */
  void flush() {
    schedulePaced();
  }

  /** Appends a control response, whatever the buffer holds. */
  void control(WatchResponse r) {
    synchronized (this) {
      epoch++;
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
      r.markSent();
      account(-r.size());
    }
    return r;
  }

  private synchronized boolean isEmpty() {
    return queue.isEmpty();
  }

  private synchronized void discard() {
    queue.forEach(EncodedResponse::markSent);
    queue.clear();
    account(-queuedBytes);
  }

  /** The transport can take more: called by gRPC. */
  void onReady() {
    schedulePaced();
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

  /** Drains when the stream's pace allows (see {@link #PACE_PER_RESPONSE_NANOS}). */
  private void schedulePaced() {
    if (scheduled.compareAndSet(false, true)) {
      long wait = nextPacedNanos - System.nanoTime();
      if (wait > 0) {
        sender.schedule(this::drain, wait, TimeUnit.NANOSECONDS);
      } else {
        sender.execute(this::drain);
      }
    }
  }

  private void drain() {
    try {
      int sent = 0;
      while (!ended && out.isReady()) {
        EncodedResponse r = poll();
        if (r == null) {
          break;
        }
        out.onNext(r);
        sent++;
      }
      if (sent > 0) {
        long now = System.nanoTime();
        nextPacedNanos = Math.min(Math.max(nextPacedNanos, now) + sent * PACE_PER_RESPONSE_NANOS, now + MAX_PACE_NANOS);
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
      LOG.warn("event=watch-send-failed error={}", e.toString());
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
      schedulePaced();
    }
  }
}
