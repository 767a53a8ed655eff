package io.ketch.client.naming;

import com.google.protobuf.ByteString;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.client.Client;
import io.ketch.client.Lease;
import io.ketch.client.LeaseLostException;
import io.ketch.client.cache.KvCache;
import io.ketch.client.options.DeleteOption;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.PutOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
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
   * Keys whose value is not endpoint JSON are skipped. Built on a {@link KvCache} of the service's
   * prefix: a disconnect loses nothing, and after a compaction the differences are reported.
   */
  public AutoCloseable watch(Consumer<List<EndpointUpdate>> updates) {
    Map<String, Endpoint> known = new TreeMap<>();
    KvCache cache = KvCache.start(client, prefix(), new KvCache.Listener() {
      @Override
      public void onReady(NavigableMap<ByteString, KeyValue> snapshot, long revision) {
        List<EndpointUpdate> batch = new ArrayList<>();
        snapshot.values().forEach(kv -> parse(kv).ifPresent(e -> {
          known.put(kv.getKey().toStringUtf8(), e);
          batch.add(new EndpointUpdate(EndpointUpdate.Op.ADD, kv.getKey().toStringUtf8(), e));
        }));
        updates.accept(batch);
      }

      @Override
      public void onPut(KeyValue kv, KeyValue previous) {
        parse(kv).ifPresent(e -> {
          known.put(kv.getKey().toStringUtf8(), e);
          updates.accept(List.of(new EndpointUpdate(EndpointUpdate.Op.ADD, kv.getKey().toStringUtf8(), e)));
        });
      }

      @Override
      public void onDelete(KeyValue previous, long revision) {
        String key = previous.getKey().toStringUtf8();
        if (known.remove(key) != null) {
          updates.accept(List.of(new EndpointUpdate(EndpointUpdate.Op.DELETE, key, null)));
        }
      }
    });
    return cache;
  }
}
