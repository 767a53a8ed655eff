package io.ketch.server.gateway;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.util.function.Supplier;

/**
 * The client port's protocol negotiation: gRPC (HTTP/2) and HTTP/1.x (etcd's JSON gateway, probes,
 * metrics) on one port, as etcd serves them. A connection is given to gRPC or to HTTP/1.x by its
 * first bytes (or, over TLS, by ALPN, preferring http/1.1 so that curl and browsers get the
 * gateway while gRPC clients, which offer only h2, get gRPC). A connection given to gRPC has exactly
 * the pipeline a stock grpc-java server gives it, so gRPC calls pay nothing for the sharing.
 * HTTP/2 requests that are not gRPC are refused by grpc-java (415): the gateway is HTTP/1.x only.
 *
 * <p>This relies on grpc-java's internal negotiation API (pinned version; {@code HttpPortTest}
 * checks the behaviour on every upgrade).
 *
 * <p>Plaintext: {@code Sniffer(WUAH -> PlaintextHandler -> GrpcNegotiationHandler -> GHCH)}. The
 * sniffer withholds gRPC's initial ProtocolNegotiationEvent until it has seen the first bytes.
 *
 * <p>TLS: {@code WUAH -> TlsSniffHandler [adds SslHandler] -> (ALPN h2: GrpcNegotiationHandler |
 * otherwise: Sniffer(GrpcNegotiationHandler))}. gRPC's own serverTls() chain cannot be reused
 * because its ServerTlsHandler hands the event straight to GrpcNegotiationHandler.
 */
final class SniffingProtocolNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

  private final InternalProtocolNegotiator.ProtocolNegotiator plaintextDelegate; // null for TLS
  private final SslContext sslContext; // null for plaintext
  private final Supplier<ChannelHandler> http1Handler;
  private final int maxHttpBody;

  private SniffingProtocolNegotiator(InternalProtocolNegotiator.ProtocolNegotiator plaintextDelegate,
      SslContext sslContext, Supplier<ChannelHandler> http1Handler, int maxHttpBody) {
    this.plaintextDelegate = plaintextDelegate;
    this.sslContext = sslContext;
    this.http1Handler = http1Handler;
    this.maxHttpBody = maxHttpBody;
  }

  static SniffingProtocolNegotiator plaintext(Supplier<ChannelHandler> http1Handler, int maxHttpBody) {
    return new SniffingProtocolNegotiator(InternalProtocolNegotiators.serverPlaintext(), null, http1Handler,
        maxHttpBody);
  }

  static SniffingProtocolNegotiator tls(SslContext sslContext, Supplier<ChannelHandler> http1Handler,
      int maxHttpBody) {
    return new SniffingProtocolNegotiator(null, sslContext, http1Handler, maxHttpBody);
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    if (sslContext == null) {
      // The untouched gRPC plaintext chain, installed only once the HTTP/2 preface is seen.
      ChannelHandler grpcChain = plaintextDelegate.newHandler(grpcHandler);
      return new ProtocolSniffer(grpcChain, http1Handler, maxHttpBody);
    }
    ChannelHandler grpcNegotiation = InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler);
    ChannelHandler tls = new TlsSniffHandler(sslContext, grpcNegotiation, http1Handler, maxHttpBody);
    return InternalProtocolNegotiators.waitUntilActiveHandler(tls, grpcHandler.getNegotiationLogger());
  }

  @Override
  public AsciiString scheme() {
    return sslContext == null ? AsciiString.of("http") : AsciiString.of("https");
  }

  @Override
  public void close() {
    if (plaintextDelegate != null) {
      plaintextDelegate.close();
    }
  }
}
