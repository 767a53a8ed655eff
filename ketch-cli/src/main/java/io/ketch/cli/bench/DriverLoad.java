package io.ketch.cli.bench;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The loads run through a client library ({@code --driver=ketch-client|jetcd}) instead of raw gRPC
 * stubs, to compare libraries on one server: closed-loop put and range, and watch delivery (the
 * watchers are the library's, spread over {@code --conns} clients; the puts are the raw ones, the
 * same for every driver).
 */
final class DriverLoad {
  private static final int SAMPLE_EVERY = 10;

  private final BenchOptions o;
  private final List<ClientDriver> drivers = new ArrayList<>();

  DriverLoad(BenchOptions o) {
    this.o = o;
    for (int i = 0; i < o.conns(); i++) {
      drivers.add(ClientDriver.of(o.driver(), o.endpoints().get(i % o.endpoints().size())));
    }
  }

  /** Put or range through the drivers; false on errors. */
  boolean runKv() throws InterruptedException {
    byte[] raw = new byte[o.valSize()];
    ThreadLocalRandom.current().nextBytes(raw);
    ByteString value = ByteString.copyFrom(raw);
    ByteString rangeKey = WatchLoad.key(0, o.keySize());
    boolean put = o.command().equals("put");
    if (!put) {
      drivers.get(0).put(rangeKey, value).join();
    }
    java.util.function.Function<ClientDriver, CompletableFuture<?>> op = d -> put
        ? d.put(WatchLoad.key(ThreadLocalRandom.current().nextInt(o.keySpace()), o.keySize()), value)
        : d.get(rangeKey, o.serializable());
    if (o.warmup() > 0) {
      phase(op, o.warmup(), new LatencyRecorder(1));
    }
    LatencyRecorder lat = new LatencyRecorder((int) o.total());
    long start = System.nanoTime();
    long errors = phase(op, o.total(), lat);
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf("%s%s via %s: %d requests, %d clients objects, %d in flight, key %dB, value %dB%n", o.command(),
        put ? "" : (o.serializable() ? " (serializable)" : " (linearizable)"), o.driver(), o.total(), o.conns(),
        o.clients(), o.keySize(), o.valSize());
    System.out.printf("  throughput: %.0f req/s  (%.2f s)%n", (o.total() - errors) / secs, secs);
    System.out.println("  latency ms: " + LatencyRecorder.summary(lat.sorted()));
    System.out.printf("  errors: %d%n", errors);
    return errors == 0;
  }

  private long phase(java.util.function.Function<ClientDriver, CompletableFuture<?>> op, long count, LatencyRecorder lat)
      throws InterruptedException {
    AtomicLong issued = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(o.clients());
    for (int c = 0; c < o.clients(); c++) {
      ClientDriver d = drivers.get(c % drivers.size());
      new Runnable() {
        @Override
        public void run() {
          if (issued.getAndIncrement() >= count) {
            finished.countDown();
            return;
          }
          long sent = System.nanoTime();
          op.apply(d).whenComplete((r, err) -> {
            if (err != null) {
              if (errors.getAndIncrement() < 5) {
                System.err.println("ketch-bench: request failed: " + err);
              }
            } else {
              lat.record(System.nanoTime() - sent);
            }
            run();
          });
        }
      }.run();
    }
    finished.await();
    return errors.get();
  }

  /** Watch delivery: --watchers library watches on the bench prefix while raw puts write under it. */
  boolean runWatch(Bench.PutPhase puts) throws InterruptedException {
    AtomicLong delivered = new AtomicLong();
    AtomicLong lastEvent = new AtomicLong();
    LatencyRecorder[] lat = {new LatencyRecorder(1)};
    List<CompletableFuture<Void>> created = new ArrayList<>();
    ByteString start = WatchLoad.key(0, o.keySize()).substring(0, WatchLoad.PREFIX.size());
    for (int w = 0; w < o.watchers(); w++) {
      boolean sampled = w % SAMPLE_EVERY == 0;
      created.add(drivers.get(w % drivers.size()).watch(start, WatchLoad.PREFIX_END, values -> {
        long now = System.nanoTime();
        if (sampled) {
          for (ByteString v : values) {
            lat[0].record(now - v.asReadOnlyByteBuffer().getLong());
          }
        }
        delivered.addAndGet(values.size());
        lastEvent.accumulateAndGet(now, Math::max);
      }));
    }
    try {
      CompletableFuture.allOf(created.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("ketch-bench: watchers not created: " + e);
      return false;
    }
    if (o.warmup() > 0 && !deliver(puts, o.warmup(), delivered)) {
      return false;
    }
    lat[0] = new LatencyRecorder((int) (o.total() * ((o.watchers() + SAMPLE_EVERY - 1) / SAMPLE_EVERY)));
    long t0 = System.nanoTime();
    if (!deliver(puts, o.total(), delivered)) {
      return false;
    }
    double secs = (lastEvent.get() - t0) / 1e9;
    long events = o.total() * o.watchers();
    System.out.printf("watch via %s: %d watchers on %d client objects; %d puts from %d clients, value %dB%n",
        o.driver(), o.watchers(), o.conns(), o.total(), o.clients(), o.valSize());
    System.out.printf("  delivered: %.0f events/s  (%d events in %.2f s)%n", events / secs, events, secs);
    System.out.println("  put->event latency ms: " + LatencyRecorder.summary(lat[0].sorted()));
    return true;
  }

  private boolean deliver(Bench.PutPhase puts, long count, AtomicLong delivered) throws InterruptedException {
    long want = delivered.get() + count * o.watchers();
    Supplier<ByteString> value = () -> {
      ByteBuffer b = ByteBuffer.allocate(Math.max(9, o.valSize()));
      b.putLong(System.nanoTime());
      return ByteString.copyFrom(b.array());
    };
    long errors = puts.run(count, value);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (delivered.get() < want) {
      if (System.nanoTime() > deadline) {
        System.err.printf("ketch-bench: %d events short after 300 s%n", want - delivered.get());
        return false;
      }
      Thread.sleep(5);
    }
    return errors == 0;
  }

  void close() {
    drivers.forEach(ClientDriver::close);
  }
}
