package io.ketch.server.gateway;

import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;

/** The credentials that make a grpc-java Netty listener also serve HTTP/1.x (see {@link SniffingProtocolNegotiator}). */
public final class HttpPort {
  private HttpPort() {}

  /**
   * gRPC and HTTP/1.x through {@code router} on one listener; TLS with {@code ssl} (null: plaintext),
   * HTTP bodies up to {@code maxHttpBody} bytes.
   */
  public static ServerCredentials credentials(SslContext ssl, HttpRouter router, int maxHttpBody) {
    return InternalNettyServerCredentials.create(ssl == null
        ? SniffingProtocolNegotiator.plaintext(() -> new Http1Handler(router), maxHttpBody)
        : SniffingProtocolNegotiator.tls(ssl, () -> new Http1Handler(router), maxHttpBody));
  }
}
