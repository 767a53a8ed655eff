package io.ketch.it.cluster;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.it.linearizability.History;
import io.ketch.it.linearizability.Op;
import io.ketch.it.linearizability.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients that hammer a few keys with puts, linearizable gets, compare-and-sets (a Txn comparing the
 * value, or creation for an absent key) and deletes, each client bound to one member, recording
 * every operation with its invoke and completion time for the {@link
 * io.ketch.it.linearizability.LinearizabilityChecker}. A write that fails in any way is
 * indeterminate (it may have been applied: etcd too applies writes whose client saw a timeout); a
 * read that fails is dropped. Every response's header revision is kept with its times, to check
 * that revisions never go backwards in real time.
 */
final class RegisterWorkload implements AutoCloseable {
  /** One answered request: when it was sent and answered, and the store revision it reported. */
  record Observed(long invoke, long complete, long revision, String client) {}

  private final History history = new History();
  private final ConcurrentLinkedQueue<Observed> revisions = new ConcurrentLinkedQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong values = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final String prefix;
  private final int keys;

  RegisterWorkload(String prefix, int keys) {
    this.prefix = prefix;
    this.keys = keys;
  }

  /** Starts {@code clients} clients on member {@code m}, each with its own connection and random seed. */
  void start(FaultableCluster cluster, int m, int clients, long seed) {
    for (int c = 0; c < clients; c++) {
      ManagedChannel ch = cluster.newChannel(m);
      channels.add(ch);
      String name = cluster.memberName(m) + "-c" + c;
      Random random = new Random(seed * 31 + c);
      Thread t = new Thread(() -> run(name, KVGrpc.newBlockingStub(ch), random), "workload-" + name);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  private void run(String client, KVGrpc.KVBlockingStub stub, Random random) {
    String lastSeen = Op.ABSENT;
    while (!stop.get()) {
      String key = prefix + random.nextInt(keys);
      int dice = random.nextInt(100);
      KVGrpc.KVBlockingStub kv = stub.withDeadlineAfter(10, TimeUnit.SECONDS);
      if (dice < 40) {
        lastSeen = get(client, kv, key);
      } else if (dice < 70) {
        put(client, kv, key);
      } else if (dice < 95) {
        cas(client, kv, key, random.nextBoolean() ? lastSeen : get(client, kv, key));
      } else {
        delete(client, kv, key);
      }
    }
  }

  /** A linearizable get; returns what it read (or absent when it failed). */
  String get(String client, KVGrpc.KVBlockingStub kv, String key) {
    long h = history.invoke(client, key, Op.get());
    long t0 = System.nanoTime();
    try {
      RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(bs(key)).build());
      String v = r.getCount() == 0 ? Op.ABSENT : r.getKvs(0).getValue().toStringUtf8();
      history.complete(h, Result.read(v));
      observed(client + " get " + key + "=" + v, t0, r.getHeader().getRevision());
      return v;
    } catch (StatusRuntimeException e) {
      history.discard(h);
      failed.incrementAndGet();
      return Op.ABSENT;
    }
  }

  private void put(String client, KVGrpc.KVBlockingStub kv, String key) {
    String v = client + "." + values.incrementAndGet();
    long h = history.invoke(client, key, Op.put(v));
    long t0 = System.nanoTime();
    try {
      long rev = kv.put(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(v)).build()).getHeader().getRevision();
      history.complete(h, Result.ok());
      observed(client + " put " + key + "=" + v, t0, rev);
      acknowledged.incrementAndGet();
    } catch (StatusRuntimeException e) {
      writeFailed(h, e);
    }
  }

  private void cas(String client, KVGrpc.KVBlockingStub kv, String key, String expected) {
    String v = client + "." + values.incrementAndGet();
    long h = history.invoke(client, key, Op.cas(expected, v));
    long t0 = System.nanoTime();
    Compare cmp = expected == null
        ? Compare.newBuilder().setKey(bs(key)).setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0).build()
        : Compare.newBuilder().setKey(bs(key)).setTarget(Compare.CompareTarget.VALUE)
            .setResult(Compare.CompareResult.EQUAL).setValue(bs(expected)).build();
    try {
      TxnResponse r = kv.txn(TxnRequest.newBuilder().addCompare(cmp)
          .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(v))))
          .build());
      history.complete(h, r.getSucceeded() ? Result.ok() : Result.failed());
      observed(client + " cas " + key + " " + expected + "->" + v + " " + r.getSucceeded(), t0, r.getHeader().getRevision());
      acknowledged.incrementAndGet();
    } catch (StatusRuntimeException e) {
      writeFailed(h, e);
    }
  }

  private void delete(String client, KVGrpc.KVBlockingStub kv, String key) {
    long h = history.invoke(client, key, Op.delete());
    long t0 = System.nanoTime();
    try {
      long rev = kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs(key)).build()).getHeader().getRevision();
      history.complete(h, Result.ok());
      observed(client + " delete " + key, t0, rev);
      acknowledged.incrementAndGet();
    } catch (StatusRuntimeException e) {
      writeFailed(h, e);
    }
  }

  private void writeFailed(long handle, StatusRuntimeException e) {
    failed.incrementAndGet();
    history.indeterminate(handle);
    if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
      sleepQuietly(20); // the member has no way to the leader just now: don't spin
    }
  }

  private void observed(String client, long invoke, long revision) {
    revisions.add(new Observed(invoke, System.nanoTime(), revision, client));
  }

  History history() {
    return history;
  }

  List<Observed> revisions() {
    return new ArrayList<>(revisions);
  }

  long acknowledged() {
    return acknowledged.get();
  }

  long failed() {
    return failed.get();
  }

  /**
   * A response that reports an older revision than one some other request had already received
   * before it was sent, or null when there is none: revisions never go backwards in real time.
   */
  static String revisionRegression(List<Observed> observed) {
    List<Observed> byComplete = new ArrayList<>(observed);
    byComplete.sort((a, b) -> Long.compare(a.complete(), b.complete()));
    List<Observed> byInvoke = new ArrayList<>(observed);
    byInvoke.sort((a, b) -> Long.compare(a.invoke(), b.invoke()));
    long maxDone = 0;
    Observed witness = null;
    int i = 0;
    for (Observed o : byInvoke) {
      while (i < byComplete.size() && byComplete.get(i).complete() < o.invoke()) {
        if (byComplete.get(i).revision() > maxDone) {
          maxDone = byComplete.get(i).revision();
          witness = byComplete.get(i);
        }
        i++;
      }
      if (o.revision() < maxDone) {
        return o.client() + " was answered at revision " + o.revision() + " after " + witness.client()
            + " had been answered at revision " + maxDone;
      }
    }
    return null;
  }

  /** Stops the clients and waits for them. */
  @Override
  public void close() {
    stop.set(true);
    for (Thread t : threads) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
