package io.ketch.server.watch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.ketch.api.etcdserverpb.WatchResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 */
final class WatchStream {
  private final ServerCallStreamObserver<EncodedResponse> out;
  private final Executor sender;
  private final long limitBytes;
  private final Runnable onRoom;
  private final ConcurrentLinkedQueue<EncodedResponse> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  /** Bytes buffered over every stream (shared with the store, for metrics). */
  private final AtomicLong allQueuedBytes;
  private final AtomicBoolean scheduled = new AtomicBoolean();
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
    this.allQueuedBytes = allQueuedBytes;
    this.out = out;
    this.sender = sender;
    this.limitBytes = limitBytes;
    this.onRoom = onRoom;
  }

  /** Whether event responses are taken now. */
  boolean hasRoom() {
    return queuedBytes.get() < limitBytes;
  }

  /** Appends event responses; false (nothing taken) when the buffer is full. */
  boolean offer(List<EncodedResponse> responses) {
    if (!hasRoom()) {
      wasFull = true;
      return false;
    }
    for (EncodedResponse r : responses) {
      enqueue(r);
    }
    schedule();
    return true;
  }

  /** Appends a control response, whatever the buffer holds. */
  void control(WatchResponse r) {
    enqueue(EncodedResponse.of(r));
    schedule();
  }

  /** Bytes waiting to be sent. */
  long queuedBytes() {
    return queuedBytes.get();
  }

  private void enqueue(EncodedResponse r) {
    if (ended) {
      return;
    }
    int size = r.size();
    queuedBytes.addAndGet(size);
    allQueuedBytes.addAndGet(size);
    queue.add(r);
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

  private void discard() {
    EncodedResponse r;
    while ((r = queue.poll()) != null) {
      int size = r.size();
      queuedBytes.addAndGet(-size);
      allQueuedBytes.addAndGet(-size);
    }
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      sender.execute(this::drain);
    }
  }

  private void drain() {
    try {
      while (!ended && out.isReady()) {
        EncodedResponse r = queue.poll();
        if (r == null) {
          break;
        }
        int size = r.size();
        queuedBytes.addAndGet(-size);
        allQueuedBytes.addAndGet(-size);
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
    if (ended ? endStatus != null : !queue.isEmpty() && out.isReady()) {
      schedule();
    }
  }
}
