package io.ketch.client.naming;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.client.Client;
import io.ketch.client.EtcdException;
import io.ketch.client.Lease;
import io.ketch.client.LeaseLostException;
import io.ketch.client.Watch;
import io.ketch.client.options.DeleteOption;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.PutOption;
import io.ketch.client.options.WatchOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Service discovery through etcd, as clientv3's {@code naming/endpoints.Manager}: the endpoints of
 * service {@code target} are the keys {@code <target>/<address>} holding {@link Endpoint} JSON,
 * usually under a lease so that a dead instance disappears by itself.
 */
public final class EndpointManager {
  private final Client client;
  private final String target;

  /** A manager for the service named {@code target}. */
  public EndpointManager(Client client, String target) {
    this.client = client;
    this.target = target;
  }

  /** The key an endpoint is stored under: {@code <target>/<address>}. */
  public String keyOf(Endpoint e) {
    return target + "/" + e.address();
  }

  /** Stores the endpoint at {@code key} (which must be under {@code <target>/}), with a lease (0: none). */
  public CompletableFuture<Void> add(String key, Endpoint e, long leaseId) {
    if (!key.startsWith(target + "/")) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(key + " is not under " + target + "/"));
    }
    return client.kv().put(ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(e.toJson()),
        PutOption.builder().withLease(leaseId).build()).thenApply(r -> null);
  }

  /** Deletes the endpoint stored at {@code key}. */
  public CompletableFuture<Void> delete(String key) {
    return client.kv().delete(ByteString.copyFromUtf8(key), DeleteOption.DEFAULT).thenApply(r -> null);
  }

  /**
   * Registers the endpoint under a new lease of {@code ttlSeconds}, kept alive until the returned
   * registration is closed (which deletes it) or the process dies (the lease expires and the
   * endpoint disappears). {@code onLost} hears if the lease is lost while registered.
   */
  public CompletableFuture<Registration> register(Endpoint e, long ttlSeconds, Consumer<LeaseLostException> onLost) {
    return client.lease().grant(ttlSeconds).thenCompose(g -> add(keyOf(e), e, g.getID()).thenApply(v -> {
      Lease.KeepAlive ka = client.lease().keepAlive(g.getID(), new Lease.KeepAliveListener() {
        @Override
        public void onKeepAlive(io.ketch.api.etcdserverpb.LeaseKeepAliveResponse r) {}

        @Override
        public void onLost(LeaseLostException lost) {
          onLost.accept(lost);
        }
      });
      return new Registration(g.getID(), ka);
    }));
  }

  /** A registered endpoint; closing it unregisters it (and revokes its lease). */
  public final class Registration implements AutoCloseable {
    private final long leaseId;
    private final Lease.KeepAlive keepAlive;

    private Registration(long leaseId, Lease.KeepAlive keepAlive) {
      this.leaseId = leaseId;
      this.keepAlive = keepAlive;
    }

    /** The registration's lease. */
    public long leaseId() {
      return leaseId;
    }

    @Override
    public void close() {
      keepAlive.close();
      client.lease().revoke(leaseId).join();
    }
  }

  /** Every endpoint of the service now, by key. */
  public CompletableFuture<Map<String, Endpoint>> list() {
    return client.kv().get(prefix(), GetOption.builder().withPrefix().build()).thenApply(r -> {
      Map<String, Endpoint> out = new TreeMap<>();
      r.getKvsList().forEach(kv -> parse(kv).ifPresent(e -> out.put(kv.getKey().toStringUtf8(), e)));
      return out;
    });
  }

  private ByteString prefix() {
    return ByteString.copyFromUtf8(target + "/");
  }

  private static java.util.Optional<Endpoint> parse(KeyValue kv) {
    try {
      return java.util.Optional.of(Endpoint.fromJson(kv.getValue().toStringUtf8()));
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * Streams the service's endpoints to {@code updates}: first every current endpoint as ADDs (one
   * call, possibly empty), then each change as it happens, until the returned handle is closed.
   * Keys whose value is not endpoint JSON are skipped. When the watch's history is compacted the
   * whole list is sent again (as ADDs, after DELETEs of endpoints that disappeared).
   */
  public AutoCloseable watch(Consumer<List<EndpointUpdate>> updates) {
    return new Follower(updates);
  }

  /** The watch behind {@link #watch}: a snapshot, then the changes after it. */
  private final class Follower implements AutoCloseable {
    private final Consumer<List<EndpointUpdate>> updates;
    private final Map<String, Endpoint> known = new TreeMap<>();
    private Watch.Watcher watcher;
    private boolean closed;

    Follower(Consumer<List<EndpointUpdate>> updates) {
      this.updates = updates;
      start();
    }

    private void start() {
      client.kv().get(prefix(), GetOption.builder().withPrefix().build()).thenAccept(r -> {
        synchronized (this) {
          if (closed) {
            return;
          }
          Map<String, Endpoint> now = new TreeMap<>();
          r.getKvsList().forEach(kv -> parse(kv).ifPresent(e -> now.put(kv.getKey().toStringUtf8(), e)));
          List<EndpointUpdate> batch = new ArrayList<>();
          known.keySet().stream().filter(k -> !now.containsKey(k))
              .forEach(k -> batch.add(new EndpointUpdate(EndpointUpdate.Op.DELETE, k, null)));
          now.forEach((k, e) -> batch.add(new EndpointUpdate(EndpointUpdate.Op.ADD, k, e)));
          known.clear();
          known.putAll(now);
          updates.accept(batch);
          watcher = client.watch().watch(prefix(), WatchOption.builder().withPrefix()
              .withStartRevision(r.getHeader().getRevision() + 1).build(), new Watch.Listener() {
                @Override
                public void onNext(WatchResponse w) {
                  changed(w);
                }

                @Override
                public void onError(EtcdException e) {
                  restart();
                }
              });
        }
      });
    }

    private synchronized void restart() {
      if (!closed) {
        start();
      }
    }

    private synchronized void changed(WatchResponse w) {
      List<EndpointUpdate> batch = new ArrayList<>();
      for (Event ev : w.getEventsList()) {
        String key = ev.getKv().getKey().toStringUtf8();
        if (ev.getType() == Event.EventType.DELETE) {
          if (known.remove(key) != null) {
            batch.add(new EndpointUpdate(EndpointUpdate.Op.DELETE, key, null));
          }
        } else {
          parse(ev.getKv()).ifPresent(e -> {
            known.put(key, e);
            batch.add(new EndpointUpdate(EndpointUpdate.Op.ADD, key, e));
          });
        }
      }
      if (!batch.isEmpty()) {
        updates.accept(batch);
      }
    }

    @Override
    public synchronized void close() {
      closed = true;
      if (watcher != null) {
        watcher.close();
      }
    }
  }
}
