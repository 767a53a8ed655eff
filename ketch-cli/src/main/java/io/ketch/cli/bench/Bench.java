package io.ketch.cli.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ketch-bench: a closed-loop load generator for any etcd v3 endpoint, in the manner of etcd's own
 * benchmark tool. Each of M clients keeps one request in flight and sends the next as soon as the
 * previous answers; clients are spread round-robin over N connections. {@code failover} instead
 * times one leader failover on a cluster ({@link FailoverLoad}).
 */
public final class Bench {
  /** A phase in which no request completes for this long fails the run. */
  private static final long STALL_SECONDS = 60;
  private final BenchOptions o;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<KVGrpc.KVStub> stubs = new ArrayList<>();

  private Bench(BenchOptions o) {
    this.o = o;
    for (int i = 0; i < o.conns(); i++) {
      ManagedChannel ch = NettyChannelBuilder.forTarget(o.endpoints().get(i % o.endpoints().size()))
          .usePlaintext().directExecutor().build();
      channels.add(ch);
      stubs.add(KVGrpc.newStub(ch));
    }
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      System.out.print(BenchOptions.USAGE);
      return;
    }
    BenchOptions o;
    try {
      o = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ketch-bench: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    Bench b = new Bench(o);
    try {
      if (!b.run()) {
        System.exit(1);
      }
    } finally {
      b.close();
    }
  }

  /** Puts {@code count} keys under the watch prefix with values from {@code value}; returns errors. */
  @FunctionalInterface
  interface PutPhase {
    long run(long count, java.util.function.Supplier<ByteString> value) throws InterruptedException;
  }

  private boolean run() throws InterruptedException {
    if (o.command().equals("keepalive")) {
      return new KeepAliveLoad(o, channels).run();
    }
    if (o.command().equals("failover")) {
      return new FailoverLoad(o).run();
    }
    if (!o.driver().equals("grpc")) {
      DriverLoad d = new DriverLoad(o);
      try {
        if (o.command().equals("watch")) {
          return d.runWatch(rawPuts());
        }
        return d.runKv();
      } finally {
        d.close();
      }
    }
    if (o.command().equals("watch")) {
      WatchLoad w = new WatchLoad(o, channels);
      try {
        return w.run(rawPuts());
      } finally {
        w.close();
      }
    }
    byte[] value = new byte[o.valSize()];
    ThreadLocalRandom.current().nextBytes(value);
    ByteString v = ByteString.copyFrom(value);
    ByteString rangeKey = key(0);
    if (o.command().equals("range")) {
      KVGrpc.newBlockingStub(channels.get(0)).withDeadlineAfter(10, TimeUnit.SECONDS)
          .put(PutRequest.newBuilder().setKey(rangeKey).setValue(v).build());
    }
    AtomicLong nextKey = new AtomicLong();
    Op op = (stub, done) -> {
      if (o.command().equals("put")) {
        int i = o.sequentialKeys() ? (int) (nextKey.getAndIncrement() % o.keySpace())
            : ThreadLocalRandom.current().nextInt(o.keySpace());
        ByteString k = key(i);
        stub.put(PutRequest.newBuilder().setKey(k).setValue(v).build(), done.as());
      } else {
        stub.range(RangeRequest.newBuilder().setKey(rangeKey).setSerializable(o.serializable()).build(), done.as());
      }
    };
    if (o.warmup() > 0) {
      phase(op, o.warmup(), new LatencyRecorder(1));
    }
    LatencyRecorder lat = new LatencyRecorder((int) o.total());
    long start = System.nanoTime();
    long errors = phase(op, o.total(), lat);
    double secs = (System.nanoTime() - start) / 1e9;
    long[] s = lat.sorted();
    System.out.printf("%s%s: %d requests, %d connections, %d clients, key %dB, value %dB%n", o.command(),
        o.command().equals("range") ? (o.serializable() ? " (serializable)" : " (linearizable)") : "",
        o.total(), o.conns(), o.clients(), o.keySize(), o.valSize());
    System.out.printf("  throughput: %.0f req/s  (%.2f s)%n", (o.total() - errors) / secs, secs);
    System.out.println("  latency ms: " + LatencyRecorder.summary(s));
    System.out.printf("  errors: %d%n", errors);
    return errors == 0;
  }

  /** Puts under the watch prefix over the raw stubs: the write side of both watch loads. */
  private PutPhase rawPuts() {
    return (count, value) -> phase((stub, done) -> stub.put(PutRequest.newBuilder()
        .setKey(WatchLoad.key(ThreadLocalRandom.current().nextInt(o.keySpace()), o.keySize()))
        .setValue(value.get()).build(), done.as()), count, new LatencyRecorder(1));
  }

  /** Sends {@code count} requests with {@code o.clients()} in flight; returns the number of errors. */
  private long phase(Op op, long count, LatencyRecorder lat) throws InterruptedException {
    AtomicLong issued = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(o.clients());
    for (int c = 0; c < o.clients(); c++) {
      KVGrpc.KVStub stub = stubs.get(c % stubs.size());
      new Client(op, stub, count, issued, errors, lat, finished).next();
    }
    // a server that stops answering (gone, or stuck in shutdown) must not hang the run: the raw
    // stubs carry no per-request deadline, so a phase that makes no progress for a minute fails
    long seen = issued.get();
    while (!finished.await(STALL_SECONDS, TimeUnit.SECONDS)) {
      if (issued.get() == seen) {
        System.err.printf("ketch-bench: no response for %d s; giving up%n", STALL_SECONDS);
        System.exit(1);
      }
      seen = issued.get();
    }
    return errors.get();
  }

  private ByteString key(int i) {
    byte[] k = new byte[o.keySize()];
    for (int j = k.length - 1, n = i; j >= 0; j--, n /= 10) {
      k[j] = (byte) ('0' + n % 10);
    }
    return ByteString.copyFrom(k);
  }

  private void close() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  @FunctionalInterface
  private interface Op {
    void send(KVGrpc.KVStub stub, Client done);
  }

  /** One closed-loop client: sends the next request when the previous one answers. */
  private static final class Client implements StreamObserver<Object> {
    private final Op op;
    private final KVGrpc.KVStub stub;
    private final long count;
    private final AtomicLong issued;
    private final AtomicLong errors;
    private final LatencyRecorder lat;
    private final CountDownLatch finished;
    private long sentAt;

    Client(Op op, KVGrpc.KVStub stub, long count, AtomicLong issued, AtomicLong errors, LatencyRecorder lat,
        CountDownLatch finished) {
      this.op = op;
      this.stub = stub;
      this.count = count;
      this.issued = issued;
      this.errors = errors;
      this.lat = lat;
      this.finished = finished;
    }

    @SuppressWarnings("unchecked")
    <T> StreamObserver<T> as() {
      return (StreamObserver<T>) (StreamObserver<?>) this;
    }

    void next() {
      if (issued.getAndIncrement() >= count) {
        finished.countDown();
        return;
      }
      sentAt = System.nanoTime();
      op.send(stub, this);
    }

    @Override
    public void onNext(Object value) {
      lat.record(System.nanoTime() - sentAt);
    }

    @Override
    public void onError(Throwable t) {
      if (errors.getAndIncrement() < 5) {
        System.err.println("ketch-bench: request failed: " + t);
      }
      next();
    }

    @Override
    public void onCompleted() {
      next();
    }
  }
}
