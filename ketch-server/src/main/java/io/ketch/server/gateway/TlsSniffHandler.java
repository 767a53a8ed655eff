package io.ketch.server.gateway;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InternalChannelz;
import io.grpc.SecurityLevel;
import io.grpc.internal.GrpcAttributes;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolNames;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;

/**
 * Replacement for grpc-java's (package-private) ServerTlsHandler: adds an SslHandler in front of
 * itself, and after the handshake enriches the withheld ProtocolNegotiationEvent with the same
 * attributes ServerTlsHandler sets (security level, SSL session, channelz Tls security). Then:
 * ALPN "h2" goes straight to gRPC; anything else (http/1.1, no ALPN) goes through the sniffer on
 * the decrypted bytes.
 */
final class TlsSniffHandler extends ChannelInboundHandlerAdapter {
  private final SslContext sslContext;
  private final ChannelHandler grpcNegotiation;
  private final Supplier<ChannelHandler> http1Handler;
  private ProtocolNegotiationEvent pne = InternalProtocolNegotiationEvent.getDefault();

  private final int maxHttpBody;

  TlsSniffHandler(SslContext sslContext, ChannelHandler grpcNegotiation, Supplier<ChannelHandler> http1Handler,
      int maxHttpBody) {
    this.sslContext = sslContext;
    this.grpcNegotiation = grpcNegotiation;
    this.http1Handler = http1Handler;
    this.maxHttpBody = maxHttpBody;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx);
    ctx.pipeline().addBefore(ctx.name(), null, new SslHandler(sslContext.newEngine(ctx.alloc()), false));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ProtocolNegotiationEvent) {
      pne = (ProtocolNegotiationEvent) evt;
    } else if (evt instanceof SslHandshakeCompletionEvent) {
      SslHandshakeCompletionEvent hs = (SslHandshakeCompletionEvent) evt;
      if (!hs.isSuccess()) {
        ctx.fireExceptionCaught(hs.cause()); // WriteBufferingAndExceptionHandler closes
        return;
      }
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      SSLSession session = ssl.engine().getSession();
      Attributes attrs = InternalProtocolNegotiationEvent.getAttributes(pne).toBuilder()
          .set(GrpcAttributes.ATTR_SECURITY_LEVEL, SecurityLevel.PRIVACY_AND_INTEGRITY)
          .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session)
          .build();
      ProtocolNegotiationEvent tlsPne = InternalProtocolNegotiationEvent.withSecurity(
          InternalProtocolNegotiationEvent.withAttributes(pne, attrs),
          new InternalChannelz.Security(new InternalChannelz.Tls(session)));
      String alpn = ssl.applicationProtocol();
      ChannelHandler next = ApplicationProtocolNames.HTTP_2.equals(alpn)
          ? grpcNegotiation
          : new ProtocolSniffer(grpcNegotiation, http1Handler, maxHttpBody);
      ctx.pipeline().replace(ctx.name(), null, next);
      ctx.fireUserEventTriggered(tlsPne);
    } else {
      super.userEventTriggered(ctx, evt);
    }
  }
}
