package io.ketch.client.naming;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.ketch.client.Client;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Lets a gRPC channel target {@code etcd:///<service>}: the channel's addresses are the
 * service's endpoints in etcd ({@link EndpointManager}), updated as instances come and go.
 * Register it once, e.g. {@code NameResolverRegistry.getDefaultRegistry().register(new
 * EtcdNameResolverProvider(client))}, or give it to one channel builder with
 * {@code nameResolverFactory}.
 */
public final class EtcdNameResolverProvider extends NameResolverProvider {
  /** The target scheme, as clientv3's resolver: {@code etcd}. */
  public static final String SCHEME = "etcd";

  private final Client client;

  /** A provider resolving through {@code client}. */
  public EtcdNameResolverProvider(Client client) {
    this.client = client;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    String path = targetUri.getPath();
    String service = path.startsWith("/") ? path.substring(1) : path;
    if (service.isEmpty()) {
      throw new IllegalArgumentException("no service name in " + targetUri + " (expected etcd:///<service>)");
    }
    return new Resolver(service);
  }

  /** Follows one service's endpoints and hands every new list to gRPC. */
  private final class Resolver extends NameResolver {
    private final String service;
    private final Map<String, Endpoint> endpoints = new TreeMap<>();
    private AutoCloseable follower;
    private boolean shutDown;

    Resolver(String service) {
      this.service = service;
    }

    @Override
    public String getServiceAuthority() {
      return service;
    }

    @Override
    public void start(Listener2 listener) {
      AutoCloseable f = new EndpointManager(client, service).watch(batch -> {
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        synchronized (Resolver.this) {
          for (EndpointUpdate u : batch) {
            if (u.op() == EndpointUpdate.Op.ADD) {
              endpoints.put(u.key(), u.endpoint());
            } else {
              endpoints.remove(u.key());
            }
          }
          for (Endpoint e : endpoints.values()) {
            int colon = e.address().lastIndexOf(':');
            if (colon > 0) {
              try {
                groups.add(new EquivalentAddressGroup(new InetSocketAddress(e.address().substring(0, colon),
                    Integer.parseInt(e.address().substring(colon + 1)))));
              } catch (RuntimeException bad) {
                // an address gRPC cannot dial is left out
              }
            }
          }
        }
        if (groups.isEmpty()) {
          listener.onError(Status.UNAVAILABLE.withDescription("no endpoints registered for " + service));
        } else {
          listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).setAttributes(Attributes.EMPTY).build());
        }
      });
      synchronized (this) {
        if (!shutDown) {
          follower = f;
          return;
        }
      }
      shutdown(f);
    }

    @Override
    public void shutdown() {
      AutoCloseable f;
      synchronized (this) {
        shutDown = true;
        f = follower;
        follower = null;
      }
      shutdown(f);
    }

    /** Closes the follower without this resolver's lock: the follower's callbacks take it. */
    private void shutdown(AutoCloseable f) {
      if (f != null) {
        try {
          f.close();
        } catch (Exception ignored) {
          // closing a watch does not fail
        }
      }
    }
  }
}
