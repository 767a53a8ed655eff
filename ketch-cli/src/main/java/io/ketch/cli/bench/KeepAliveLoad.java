package io.ketch.cli.bench;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.ketch.api.etcdserverpb.LeaseKeepAliveResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lease keepalive load: L leases (granted first, TTL 600 s) kept alive over S LeaseKeepAlive
 * streams, each stream renewing its share of the leases in turn with at most clients/S requests in
 * flight. Responses on a stream come back in request order, so each keepalive's round trip is
 * timed. Reports keepalives/s and latency percentiles; a response with TTL 0 (lease lost) is an error.
 */
final class KeepAliveLoad {
  private static final long TTL = 600;

  private final BenchOptions o;
  private final List<ManagedChannel> channels;

  KeepAliveLoad(BenchOptions o, List<ManagedChannel> channels) {
    this.o = o;
    this.channels = channels;
  }

  boolean run() throws InterruptedException {
    List<Long> leases = grant();
    if (leases == null) {
      return false;
    }
    if (o.warmup() > 0) {
      renew(leases, o.warmup(), new LatencyRecorder(1));
    }
    LatencyRecorder lat = new LatencyRecorder((int) o.total());
    long start = System.nanoTime();
    long errors = renew(leases, o.total(), lat);
    double secs = (System.nanoTime() - start) / 1e9;
    long[] s = lat.sorted();
    System.out.printf("keepalive: %d keepalives, %d leases, %d streams, %d connections, %d in flight%n",
        o.total(), o.leases(), o.streams(), o.conns(), o.clients());
    System.out.printf("  throughput: %.0f keepalives/s  (%.2f s)%n", (o.total() - errors) / secs, secs);
    System.out.println("  latency ms: " + LatencyRecorder.summary(s));
    System.out.printf("  errors: %d%n", errors);
    return errors == 0;
  }

  /** Grants the leases with at most 64 grants in flight; null if any failed. */
  private List<Long> grant() throws InterruptedException {
    List<Long> ids = new ArrayList<>();
    Semaphore inFlight = new Semaphore(64);
    AtomicLong failed = new AtomicLong();
    CountDownLatch done = new CountDownLatch(o.leases());
    long base = System.nanoTime() & 0xffffffffL;
    for (int i = 0; i < o.leases(); i++) {
      long id = (base << 24) + i + 1;
      ids.add(id);
      inFlight.acquire();
      LeaseGrpc.newStub(channels.get(i % channels.size())).leaseGrant(
          LeaseGrantRequest.newBuilder().setID(id).setTTL(TTL).build(), new StreamObserver<>() {
            @Override
            public void onNext(io.ketch.api.etcdserverpb.LeaseGrantResponse r) {}

            @Override
            public void onError(Throwable t) {
              failed.incrementAndGet();
              inFlight.release();
              done.countDown();
            }

            @Override
            public void onCompleted() {
              inFlight.release();
              done.countDown();
            }
          });
    }
    done.await();
    if (failed.get() > 0) {
      System.err.println("ketch-bench: " + failed.get() + " lease grants failed");
      return null;
    }
    return ids;
  }

  /** Sends {@code count} keepalives over the streams; returns the number of errors. */
  private long renew(List<Long> leases, long count, LatencyRecorder lat) throws InterruptedException {
    AtomicLong issued = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(o.streams());
    int window = Math.max(1, o.clients() / o.streams());
    for (int s = 0; s < o.streams(); s++) {
      List<Long> mine = new ArrayList<>();
      for (int i = s; i < leases.size(); i += o.streams()) {
        mine.add(leases.get(i));
      }
      new Stream(channels.get(s % channels.size()), mine, window, count, issued, errors, lat, finished).start();
    }
    finished.await();
    return errors.get();
  }

  /** One keepalive stream: keeps {@code window} requests in flight, cycling over its leases. */
  private static final class Stream implements StreamObserver<LeaseKeepAliveResponse> {
    private final ManagedChannel channel;
    private final List<Long> leases;
    private final int window;
    private final long count;
    private final AtomicLong issued;
    private final AtomicLong errors;
    private final LatencyRecorder lat;
    private final CountDownLatch finished;
    private final ConcurrentLinkedQueue<Long> sentAt = new ConcurrentLinkedQueue<>();
    private StreamObserver<LeaseKeepAliveRequest> requests;
    private int next;
    private int outstanding;
    private boolean ended;

    Stream(ManagedChannel channel, List<Long> leases, int window, long count, AtomicLong issued, AtomicLong errors,
        LatencyRecorder lat, CountDownLatch finished) {
      this.channel = channel;
      this.leases = leases;
      this.window = window;
      this.count = count;
      this.issued = issued;
      this.errors = errors;
      this.lat = lat;
      this.finished = finished;
    }

    void start() {
      requests = LeaseGrpc.newStub(channel).leaseKeepAlive(this);
      synchronized (this) {
        for (int i = 0; i < window; i++) {
          if (!sendNext()) {
            break;
          }
        }
      }
    }

    // @GuardedBy("this")
    private boolean sendNext() {
      if (issued.incrementAndGet() > count || leases.isEmpty()) {
        return false;
      }
      long id = leases.get(next++ % leases.size());
      sentAt.add(System.nanoTime());
      outstanding++;
      requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
      return true;
    }

    @Override
    public synchronized void onNext(LeaseKeepAliveResponse r) {
      Long t = sentAt.poll();
      if (t != null) {
        lat.record(System.nanoTime() - t);
      }
      if (r.getTTL() <= 0) {
        errors.incrementAndGet();
      }
      outstanding--;
      if (!sendNext() && outstanding == 0) {
        end();
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      errors.addAndGet(Math.max(1, outstanding));
      System.err.println("ketch-bench: keepalive stream failed: " + t);
      ended = true;
      finished.countDown();
    }

    @Override
    public void onCompleted() {}

    // @GuardedBy("this")
    private void end() {
      if (!ended) {
        ended = true;
        requests.onCompleted();
        finished.countDown();
      }
    }
  }
}
