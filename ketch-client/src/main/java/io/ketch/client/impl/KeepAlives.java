package io.ketch.client.impl;

import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.ketch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.ketch.client.EtcdException;
import io.ketch.client.Lease;
import io.ketch.client.LeaseLostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Every lease a client keeps alive, renewed over one LeaseKeepAlive stream as clientv3's lessor
 * does: a tick every 250 ms sends a request for each lease due (a third of its TTL after its last
 * renewal), and declares a lease lost when its last known TTL ran out without renewal. A broken
 * stream is reopened with backoff, forever, while leases remain.
 */
final class KeepAlives {
  private static final long TICK_MS = 250;
  /** How long a lease without any answer yet is given before it counts as lost. */
  private static final long FIRST_ANSWER_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Connection conn;
  private final LongSupplier clock = System::nanoTime;
  private final Map<Long, Kept> leases = new HashMap<>();
  private StreamObserver<LeaseKeepAliveRequest> stream;
  private boolean reconnecting;
  private int failures;
  private ScheduledFuture<?> ticker;

  /** One lease's renewal state and listeners. */
  private static final class Kept {
    final long id;
    final List<Lease.KeepAliveListener> listeners = new CopyOnWriteArrayList<>();
    long nextSend;
    long deadline;

    Kept(long id, long now) {
      this.id = id;
      this.nextSend = now;
      this.deadline = now + FIRST_ANSWER_NANOS;
    }
  }

  KeepAlives(Connection conn) {
    this.conn = conn;
  }

  synchronized Lease.KeepAlive add(long id, Lease.KeepAliveListener listener) {
    Kept k = leases.computeIfAbsent(id, i -> new Kept(i, clock.getAsLong()));
    k.listeners.add(listener);
    if (ticker == null) {
      ticker = conn.scheduler().scheduleWithFixedDelay(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
    }
    return new Lease.KeepAlive() {
      @Override
      public long leaseId() {
        return id;
      }

      @Override
      public void close() {
        remove(id, listener);
      }
    };
  }

  private synchronized void remove(long id, Lease.KeepAliveListener listener) {
    Kept k = leases.get(id);
    if (k != null) {
      k.listeners.remove(listener);
      if (k.listeners.isEmpty()) {
        leases.remove(id);
      }
    }
    stopIfIdle();
  }

  private void stopIfIdle() {
    if (leases.isEmpty()) {
      if (ticker != null) {
        ticker.cancel(false);
        ticker = null;
      }
      if (stream != null) {
        StreamObserver<LeaseKeepAliveRequest> s = stream;
        stream = null;
        s.onCompleted();
      }
    }
  }

  private synchronized void tick() {
    long now = clock.getAsLong();
    List<Kept> lost = new ArrayList<>();
    for (Kept k : leases.values()) {
      if (now - k.deadline > 0) {
        lost.add(k);
      }
    }
    for (Kept k : lost) {
      lose(k, "no renewal succeeded before its TTL ran out");
    }
    if (leases.isEmpty()) {
      stopIfIdle();
      return;
    }
    if (stream == null) {
      if (reconnecting) {
        return;
      }
      if (conn.needsToken()) {
        reconnecting = true;
        conn.authenticate().whenComplete((v, err) -> {
          synchronized (KeepAlives.this) {
            reconnecting = false;
          }
        });
        return;
      }
      open();
      return;
    }
    for (Kept k : leases.values()) {
      if (now - k.nextSend >= 0) {
        stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(k.id).build());
        k.nextSend = now + TimeUnit.MILLISECONDS.toNanos(500);
      }
    }
  }

  private void lose(Kept k, String reason) {
    leases.remove(k.id);
    LeaseLostException e = new LeaseLostException(k.id, reason);
    for (Lease.KeepAliveListener l : k.listeners) {
      conn.listeners().execute(() -> l.onLost(e));
    }
  }

  private void open() {
    stream = conn.stream(LeaseGrpc.getLeaseKeepAliveMethod(), (s, r) -> answered(r), this::broken);
  }

  private synchronized void answered(LeaseKeepAliveResponse r) {
    failures = 0;
    Kept k = leases.get(r.getID());
    if (k == null) {
      return;
    }
    if (r.getTTL() <= 0) {
      lose(k, "the server says it expired or was revoked");
      return;
    }
    long now = clock.getAsLong();
    k.nextSend = now + TimeUnit.MILLISECONDS.toNanos(r.getTTL() * 1000 / 3);
    k.deadline = now + TimeUnit.SECONDS.toNanos(r.getTTL());
    for (Lease.KeepAliveListener l : k.listeners) {
      conn.listeners().execute(() -> l.onKeepAlive(r));
    }
  }

  private synchronized void broken(StreamObserver<LeaseKeepAliveRequest> which, EtcdException e) {
    if (stream != which) {
      return;
    }
    stream = null;
    if (leases.isEmpty()) {
      return;
    }
    reconnecting = true;
    failures++;
    long delay = Math.min(2000, 50L << Math.min(failures, 6));
    Runnable reopen = () -> {
      synchronized (KeepAlives.this) {
        reconnecting = false;
        if (!leases.isEmpty() && stream == null) {
          open();
        }
      }
    };
    Runnable later = () -> {
      try {
        conn.scheduler().schedule(reopen, delay, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // the client is closed: nothing to reopen
      }
    };
    if (e != null && conn.isInvalidToken(e)) {
      conn.authenticate().whenComplete((v, err) -> later.run());
    } else {
      later.run();
    }
  }
}
