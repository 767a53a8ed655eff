package io.ketch.cli.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchGrpc;
import io.ketch.api.etcdserverpb.WatchRequest;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The watch fan-out load: W watchers on one prefix, spread over S streams (streams spread over the
 * connections), while M clients put P keys under the prefix. Each value starts with the put's send
 * time, so every delivered event gives a put-to-event latency. Reports delivered events/s (from the
 * first put to the last event) and latency percentiles (sampled on every tenth watcher).
 */
final class WatchLoad {
  static final ByteString PREFIX = ByteString.copyFromUtf8("watch-bench/");
  static final ByteString PREFIX_END = ByteString.copyFromUtf8("watch-bench0");
  private static final int SAMPLE_EVERY = 10;

  private final BenchOptions o;
  private final List<ManagedChannel> channels;
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong responses = new AtomicLong();
  private volatile boolean closing;
  private final AtomicLong lastEventNanos = new AtomicLong();
  private volatile LatencyRecorder lat = new LatencyRecorder(1);
  private final List<StreamObserver<WatchRequest>> streams = new ArrayList<>();

  WatchLoad(BenchOptions o, List<ManagedChannel> channels) {
    this.o = o;
    this.channels = channels;
  }

  /** Runs the load; false if puts failed or events did not all arrive. */
  boolean run(Bench.PutPhase puts) throws InterruptedException {
    CountDownLatch created = new CountDownLatch(o.watchers());
    for (int s = 0; s < o.streams(); s++) {
      MethodDescriptor<WatchRequest, WatchSummary> method = WatchGrpc.getWatchMethod().toBuilder(
          WatchGrpc.getWatchMethod().getRequestMarshaller(),
          WatchSummary.marshaller(id -> id % SAMPLE_EVERY == 1)).build();
      streams.add(ClientCalls.asyncBidiStreamingCall(
          channels.get(s % channels.size()).newCall(method, CallOptions.DEFAULT), new Receiver(created)));
    }
    for (int w = 0; w < o.watchers(); w++) {
      streams.get(w % streams.size()).onNext(WatchRequest.newBuilder().setCreateRequest(
          WatchCreateRequest.newBuilder().setKey(PREFIX).setRangeEnd(PREFIX_END).setWatchId(w + 1)).build());
    }
    if (!created.await(60, TimeUnit.SECONDS)) {
      System.err.println("ketch-bench: watchers not created in 60 s");
      return false;
    }
    if (o.warmup() > 0) {
      if (!phase(puts, o.warmup(), 1)) {
        return false;
      }
    }
    long samples = o.total() * (o.watchers() + SAMPLE_EVERY - 1) / SAMPLE_EVERY;
    lat = new LatencyRecorder((int) Math.min(Integer.MAX_VALUE - 8, samples));
    long start = System.nanoTime();
    long responsesBefore = responses.get();
    if (!phase(puts, o.total(), 0)) {
      return false;
    }
    double secs = (lastEventNanos.get() - start) / 1e9;
    long events = o.total() * o.watchers();
    long[] s = lat.sorted();
    System.out.printf("watch: %d watchers on %d streams, %d connections; %d puts from %d clients, value %dB%n",
        o.watchers(), o.streams(), o.conns(), o.total(), o.clients(), o.valSize());
    System.out.printf("  delivered: %.0f events/s  (%d events in %.2f s, %.1f events per response)%n",
        events / secs, events, secs, (double) events / (responses.get() - responsesBefore));
    System.out.println("  put->event latency ms: " + LatencyRecorder.summary(s));
    return true;
  }

  /** Puts {@code count} keys and waits until every watcher has its event for each. */
  private boolean phase(Bench.PutPhase puts, long count, int tag) throws InterruptedException {
    long before = delivered.get();
    long errors = puts.run(count, () -> value(tag));
    long want = before + count * o.watchers();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (delivered.get() < want) {
      if (System.nanoTime() > deadline) {
        System.err.printf("ketch-bench: %d of %d events delivered after 300 s%n", delivered.get() - before,
            want - before);
        return false;
      }
      Thread.sleep(5);
    }
    if (errors > 0) {
      System.err.printf("ketch-bench: %d puts failed%n", errors);
    }
    return errors == 0;
  }

  /** A value that starts with its send time and a phase tag, padded to --val-size. */
  private ByteString value(int tag) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(9, o.valSize()));
    b.putLong(System.nanoTime()).put((byte) tag);
    return ByteString.copyFrom(b.array());
  }

  void close() {
    closing = true;
    for (StreamObserver<WatchRequest> s : streams) {
      try {
        s.onCompleted();
      } catch (RuntimeException ignored) {
        // the channel is going away
      }
    }
  }

  private final class Receiver implements StreamObserver<WatchSummary> {
    private final CountDownLatch created;

    Receiver(CountDownLatch created) {
      this.created = created;
    }

    @Override
    public void onNext(WatchSummary r) {
      if (r.created()) {
        created.countDown();
        return;
      }
      if (r.events() == 0) {
        return;
      }
      long now = System.nanoTime();
      for (int i = 0; i < r.sampled(); i++) {
        lat.record(now - r.sendTimes()[i]);
      }
      delivered.addAndGet(r.events());
      responses.incrementAndGet();
      lastEventNanos.accumulateAndGet(now, Math::max);
    }

    @Override
    public void onError(Throwable t) {
      if (closing) {
        return;
      }
      System.err.println("ketch-bench: watch stream failed: " + t);
    }

    @Override
    public void onCompleted() {
      // the server ended the stream
    }
  }

  /** Key {@code i} of the key space, under the watched prefix. */
  static ByteString key(int i, int keySize) {
    byte[] k = new byte[Math.max(keySize, 1)];
    for (int j = k.length - 1, n = i; j >= 0; j--, n /= 10) {
      k[j] = (byte) ('0' + n % 10);
    }
    return PREFIX.concat(ByteString.copyFrom(k));
  }
}
