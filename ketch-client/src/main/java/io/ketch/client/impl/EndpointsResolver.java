package io.ketch.client.impl;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves the client's fixed endpoint list to one address group per endpoint, so gRPC's
 * round-robin policy keeps a connection to each and routes calls to the ready ones.
 */
final class EndpointsResolver extends NameResolver.Factory {
  static final String SCHEME = "ketch-endpoints";

  private final List<InetSocketAddress> addresses;
  private final String authority;

  EndpointsResolver(List<InetSocketAddress> addresses) {
    this.addresses = List.copyOf(addresses);
    InetSocketAddress first = addresses.get(0);
    this.authority = first.getHostString() + ":" + first.getPort();
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return authority;
      }

      @Override
      public void start(Listener2 listener) {
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        addresses.forEach(a -> groups.add(new EquivalentAddressGroup(a)));
        listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).setAttributes(Attributes.EMPTY).build());
      }

      @Override
      public void shutdown() {}
    };
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  /**
   * Parses an endpoint as etcd clients write it: {@code host:port}, {@code http://host:port} or
   * {@code https://host:port}.
   */
  static InetSocketAddress parse(String endpoint) {
    String s = endpoint.trim();
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    if (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("endpoint needs host:port: " + endpoint);
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint has a bad port: " + endpoint, e);
    }
    return new InetSocketAddress(host, port);
  }
}
