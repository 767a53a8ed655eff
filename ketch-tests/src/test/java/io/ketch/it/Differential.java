package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.ketch.api.etcdserverpb.CompactionRequest;

/**
 * Sends the same requests to etcd and to Ketch, one at a time, and asserts the outcomes are
 * identical (responses with cluster_id/member_id/raft_term ignored, or error code and text).
 */
final class Differential implements AutoCloseable {
  private final EtcdOracle etcd;
  private final KetchNode ketch;
  private final KvCaller etcdKv;
  private final KvCaller ketchKv;
  private int sent;

  Differential() {
    this(new String[0]);
  }

  /** Both servers started with the same extra flags. */
  Differential(String... flags) {
    etcd = new EtcdOracle(flags);
    KetchNode k;
    try {
      k = new KetchNode(flags);
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
    ketch = k;
    etcdKv = new KvCaller(etcd);
    ketchKv = new KvCaller(ketch);
  }

  /** Sends {@code request} to both; returns etcd's outcome after asserting Ketch's is the same. */
  KvCaller.Outcome send(Message request, String context) {
    KvCaller.Outcome expected = etcdKv.call(request);
    KvCaller.Outcome actual = ketchKv.call(request);
    sent++;
    assertEquals(expected.text(), actual.text(), () -> context + " request #" + sent + ": "
        + request.getClass().getSimpleName() + " " + TextFormat.shortDebugString(request));
    return expected;
  }

  /**
   * Runs {@code ops} requests from a seeded generator through both servers; returns how many of each
   * kind succeeded (a put with a lease counts as "PutRequest+lease"), so a caller can check that a
   * run exercised what it is meant to.
   */
  java.util.Map<String, Integer> runRandom(long seed, int ops) {
    return runRandom(seed, ops, (i, req, gen) -> { });
  }

  /** Called before each generated request is sent. */
  @FunctionalInterface
  interface BeforeSend {
    void before(int i, Message request, KvOpGenerator gen);
  }

  /** Like {@link #runRandom(long, int)}, calling {@code hook} before each request. */
  java.util.Map<String, Integer> runRandom(long seed, int ops, BeforeSend hook) {
    KvOpGenerator gen = new KvOpGenerator(seed);
    java.util.Map<String, Integer> succeeded = new java.util.TreeMap<>();
    for (int i = 0; i < ops; i++) {
      Message req = gen.next();
      hook.before(i, req, gen);
      KvCaller.Outcome o = send(req, "seed " + seed);
      if (o.ok()) {
        String kind = req.getClass().getSimpleName();
        succeeded.merge(kind, 1, Integer::sum);
        if (req instanceof io.ketch.api.etcdserverpb.PutRequest p && p.getLease() != 0) {
          succeeded.merge(kind + "+lease", 1, Integer::sum);
        }
        gen.rev = Math.max(gen.rev, o.revision());
        if (req instanceof CompactionRequest c) {
          gen.compacted = c.getRevision();
        }
      }
    }
    return succeeded;
  }

  EtcdOracle etcd() {
    return etcd;
  }

  KetchNode ketch() {
    return ketch;
  }

  @Override
  public void close() {
    etcdKv.close();
    ketchKv.close();
    try {
      ketch.close();
    } finally {
      etcd.close();
    }
  }
}
