package io.ketch.server.v2;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.server.gateway.GatewayStream;
import io.ketch.server.gateway.JsonGateway.Answer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * etcd 3.4's v2 HTTP API on the client port ({@code --enable-v2}): {@code /v2/keys} (get, set,
 * create, in-order create, update, compare-and-swap, delete, compare-and-delete, TTLs, directories
 * and {@code wait=true} watches, with etcd's form parsing, checks, error codes and texts, JSON and
 * {@code X-Etcd-Index} headers), {@code /v2/members}, {@code /v2/machines} and {@code /v2/stats/*}.
 *
 * <p>The tree is emulated on the v3 store ({@link V2Store}); v2 writes are made one at a time per
 * member on one thread (they are serialized through one key anyway), reads and watch starts on a
 * small pool.
 */
public final class V2Api implements AutoCloseable {
  private static final String KEYS = "/v2/keys";
  private static final String KEY_METHODS = "HEAD,GET,PUT,POST,DELETE";
  private static final java.util.Set<String> KEY_METHOD_SET = java.util.Set.of(KEY_METHODS.split(","));

  private final V2Store store;
  private final V2Watches watches;
  private final V2Expirer expirer;
  private final V2Info info;
  private final V2StoreStats stats = new V2StoreStats();
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> daemon(r, "ketch-v2-writer"));
  private final ExecutorService readers = Executors.newFixedThreadPool(2, r -> daemon(r, "ketch-v2-reader"));

  /**
   * {@code channel} reaches this member's KV and Watch services as a trusted caller; {@code info}
   * tells about the member and the cluster.
   */
  public V2Api(Channel channel, V2Info info) {
    KVGrpc.KVBlockingStub kvStub = KVGrpc.newBlockingStub(channel);
    V2Store.Kv kv = new V2Store.Kv() {
      @Override
      public TxnResponse txn(TxnRequest request) {
        return kvStub.txn(request);
      }

      @Override
      public RangeResponse range(RangeRequest request) {
        return kvStub.range(request);
      }
    };
    this.info = info;
    this.store = new V2Store(kv, V2Api::nowNanos);
    this.watches = new V2Watches(store, channel);
    this.expirer = new V2Expirer(store, kv, info::isLeader, V2Api::nowNanos);
  }

  private static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Whether {@code path} is one of the v2 routes. */
  public static boolean serves(String path) {
    return path.startsWith("/v2/") || path.equals("/v2");
  }

  /** Whether the request is a watch, answered as a stream. */
  public boolean streams(String method, String rawPath, String rawQuery) {
    String path = V2Routes.unescapePath(rawPath);
    if (path == null || !method.equals("GET") || !(path.equals(KEYS) || path.startsWith(KEYS + "/"))
        || !path.equals(V2Routes.cleanPath(path))) {
      return false;
    }
    V2Form f = V2Form.parse(method, rawQuery, null, new byte[0]);
    return f.error() == null && V2Request.bool(f.has("wait") ? f.value("wait") : "false").orElse(false);
  }

  /** Answers one request that is not a watch. */
  public CompletableFuture<Answer> handle(String method, String rawPath, String rawQuery, String contentType,
      byte[] body) {
    String path = V2Routes.unescapePath(rawPath);
    if (path == null) {
      return CompletableFuture.completedFuture(new Answer(400, "text/plain; charset=utf-8",
          "400 Bad Request".getBytes(StandardCharsets.UTF_8)));
    }
    String clean = V2Routes.cleanPath(path);
    if (!clean.equals(path)) {
      return CompletableFuture.completedFuture(V2Routes.redirect(method, clean, rawQuery));
    }
    if (path.equals(KEYS) || path.startsWith(KEYS + "/")) {
      return keys(method, path, rawQuery, contentType, body);
    }
    return CompletableFuture.supplyAsync(() -> V2Routes.other(method, path, info,
        () -> stats.json(expirer.expired(), watches.active())), readers);
  }

  private CompletableFuture<Answer> keys(String method, String path, String rawQuery, String contentType,
      byte[] body) {
    if (!KEY_METHOD_SET.contains(method)) {
      return CompletableFuture.completedFuture(V2Routes.methodNotAllowed(KEY_METHODS));
    }
    Map<String, String> headers = clusterHeader();
    V2Request r;
    try {
      r = V2Request.parse(method, path.substring(KEYS.length()), V2Form.parse(method, rawQuery, contentType, body),
          nowNanos());
    } catch (V2Error e) {
      return CompletableFuture.completedFuture(error(e, headers));
    }
    if (method.equals("GET") || method.equals("HEAD")) {
      return CompletableFuture.supplyAsync(() -> {
        try {
          V2Store.Read read = store.get(r.write().path(), r.recursive(), r.sorted());
          stats.read(true);
          StringBuilder b = new StringBuilder("{\"action\":\"get\",\"node\":");
          V2Json.tree(b, read.tree(), nowNanos());
          b.append("}\n");
          return answer(200, b.toString(), read.index(), headers);
        } catch (RuntimeException e) {
          stats.read(false);
          return failure(e, headers);
        }
      }, readers);
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        V2Store.Written w = store.write(r.write());
        stats.wrote(w.event().action(), true);
        V2Event e = w.event();
        String json = r.noValueOnSuccess() && V2Request.HIDES_VALUE.contains(e.action())
            ? "{\"action\":\"" + e.action() + "\"}\n" : e.json();
        return answer(w.created() ? 201 : 200, json, e.index(), headers);
      } catch (RuntimeException e) {
        stats.wrote(r.action(), false);
        return failure(e, headers);
      }
    }, writer);
  }

  /** Starts a watch ({@code wait=true}); returns what cancels it. */
  public Runnable stream(String rawPath, String rawQuery, GatewayStream.Sink sink) {
    String path = V2Routes.unescapePath(rawPath);
    Map<String, String> headers = clusterHeader();
    V2Request r;
    try {
      r = V2Request.parse("GET", path.substring(KEYS.length()), V2Form.parse("GET", rawQuery, null, new byte[0]),
          nowNanos());
    } catch (V2Error e) {
      sink.end(error(e, headers));
      return () -> { };
    }
    AtomicBoolean ended = new AtomicBoolean();
    Runnable[] cancel = {null};
    AtomicBoolean cancelled = new AtomicBoolean();
    readers.execute(() -> {
      try {
        Runnable c = watches.watch(r.write().path(), r.recursive(), r.stream(), r.waitIndex(), new V2Watches.Listener() {
          @Override
          public void started(long startIndex) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put("X-Etcd-Index", Long.toString(startIndex));
            h.put("X-Raft-Index", Long.toString(info.raftIndex()));
            h.put("X-Raft-Term", Long.toString(info.raftTerm()));
            sink.start(h);
          }

          @Override
          public void event(V2Event e) {
            if (!ended.get()) {
              sink.line(e.json());
            }
          }

          @Override
          public void ended() {
            if (ended.compareAndSet(false, true)) {
              sink.end(null);
            }
          }
        });
        synchronized (cancel) {
          cancel[0] = c;
          if (cancelled.get()) {
            c.run();
          }
        }
      } catch (RuntimeException e) {
        if (ended.compareAndSet(false, true)) {
          sink.end(failure(e, headers));
        }
      }
    });
    return () -> {
      synchronized (cancel) {
        cancelled.set(true);
        if (cancel[0] != null) {
          cancel[0].run();
        }
      }
    };
  }

  private Map<String, String> clusterHeader() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("X-Etcd-Cluster-ID", Long.toHexString(info.clusterId()));
    return h;
  }

  private Answer answer(int status, String json, long index, Map<String, String> headers) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("X-Etcd-Index", Long.toString(index));
    h.put("X-Raft-Index", Long.toString(info.raftIndex()));
    h.put("X-Raft-Term", Long.toString(info.raftTerm()));
    return new Answer(status, "application/json", json.getBytes(StandardCharsets.UTF_8), h);
  }

  /** A failure as etcd writes it: a v2 error as it is, anything else as 300 Raft Internal Error. */
  private static Answer failure(RuntimeException e, Map<String, String> headers) {
    if (e instanceof V2Error v) {
      return error(v, headers);
    }
    String why = e instanceof StatusRuntimeException s && s.getStatus().getDescription() != null
        ? s.getStatus().getDescription() : e.toString();
    return error(new V2Error(V2Error.RAFT_INTERNAL, why, 0), headers);
  }

  private static Answer error(V2Error e, Map<String, String> headers) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("X-Etcd-Index", Long.toString(e.index()));
    return new Answer(e.status(), "application/json", e.json().getBytes(StandardCharsets.UTF_8), h);
  }

  @Override
  public void close() {
    expirer.close();
    writer.shutdownNow();
    readers.shutdownNow();
  }
}
