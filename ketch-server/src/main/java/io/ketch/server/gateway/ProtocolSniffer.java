package io.ketch.server.gateway;

import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPipeline;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First-bytes sniffer. Holds gRPC's {@link ProtocolNegotiationEvent} (so that no gRPC handler,
 * in particular the HTTP/2 handler that writes a SETTINGS frame on add, is installed yet) and
 * buffers inbound bytes until it can decide:
 * <ul>
 *   <li>HTTP/2 client preface: replace self with the gRPC chain, re-fire the PNE, replay bytes.
 *   <li>HTTP/1.x request line ({@code TOKEN SP}): drop the gRPC negotiation leftovers
 *       (WriteBufferingAndExceptionHandler), install HttpServerCodec etc., replay bytes.
 *   <li>anything else: close.
 * </ul>
 */
final class ProtocolSniffer extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ProtocolSniffer.class);
  static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_METHOD_LEN = 16;

  private enum Verdict { NEED_MORE, HTTP2, HTTP1, GARBAGE }

  private final ChannelHandler grpcNext;
  private final Supplier<ChannelHandler> http1Handler;
  private ProtocolNegotiationEvent pne;
  private ByteBuf buffered;
  private boolean decided;

  private final int maxHttpBody;

  ProtocolSniffer(ChannelHandler grpcNext, Supplier<ChannelHandler> http1Handler, int maxHttpBody) {
    this.grpcNext = grpcNext;
    this.http1Handler = http1Handler;
    this.maxHttpBody = maxHttpBody;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof ProtocolNegotiationEvent && !decided) {
      pne = (ProtocolNegotiationEvent) evt; // withheld until we know the protocol
      decide(ctx);
    } else {
      super.userEventTriggered(ctx, evt);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (decided || !(msg instanceof ByteBuf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf in = (ByteBuf) msg;
    if (buffered == null) {
      buffered = in;
    } else {
      ByteBuf merged = ctx.alloc().buffer(buffered.readableBytes() + in.readableBytes());
      merged.writeBytes(buffered).writeBytes(in);
      buffered.release();
      in.release();
      buffered = merged;
    }
    decide(ctx);
  }

  private void decide(ChannelHandlerContext ctx) {
    if (pne == null || buffered == null || decided) {
      return; // need both the negotiation event and some bytes
    }
    Verdict v = classify(buffered);
    if (v == Verdict.NEED_MORE) {
      return;
    }
    decided = true;
    ByteBuf bytes = buffered;
    buffered = null;
    ChannelPipeline p = ctx.pipeline();
    switch (v) {
      case HTTP2:
        // Order matters: install gRPC chain, then the PNE (which makes the chain install
        // GrpcHttp2ConnectionHandler and flush/remove WriteBufferingAndExceptionHandler),
        // and only then replay the buffered preface to the HTTP/2 decoder.
        p.replace(this, null, grpcNext);
        ctx.fireUserEventTriggered(pne);
        ctx.fireChannelRead(bytes);
        break;
      case HTTP1:
        installHttp1(ctx);
        ctx.fireChannelRead(bytes);
        break;
      default:
        bytes.release();
        LOG.debug("event=connection-refused remote={} reason=\"neither an HTTP/2 preface nor an HTTP/1 request\"",
            ctx.channel().remoteAddress());
        ctx.close();
    }
  }

  private void installHttp1(ChannelHandlerContext ctx) {
    ChannelPipeline p = ctx.pipeline();
    // Remove everything gRPC put after us (WriteBufferingAndExceptionHandler). The gRPC
    // handler chain held by this sniffer is simply dropped (never added to the pipeline).
    List<String> after = new ArrayList<>();
    boolean seenSelf = false;
    for (Map.Entry<String, ChannelHandler> e : p) {
      if (seenSelf) {
        after.add(e.getKey());
      } else if (e.getValue() == this) {
        seenSelf = true;
      }
    }
    for (String name : after) {
      p.remove(name);
    }
    String n = ctx.name();
    p.addAfter(n, "http1-codec", new HttpServerCodec());
    p.addAfter("http1-codec", "http1-keepalive", new HttpServerKeepAliveHandler());
    p.addAfter("http1-keepalive", "http1-aggregator", new HttpObjectAggregator(maxHttpBody));
    p.addAfter("http1-aggregator", "http1-app", http1Handler.get());
    // Must be last: intercepts gRPC transport commands written via channel.writeAndFlush().
    p.addLast("http1-grpc-command-sink", new GrpcCommandSink());
    p.remove(this);
  }

  static Verdict classify(ByteBuf b) {
    int n = b.readableBytes();
    int r = b.readerIndex();
    boolean prefacePrefix = true;
    for (int i = 0; i < Math.min(n, PREFACE.length); i++) {
      if (b.getByte(r + i) != PREFACE[i]) {
        prefacePrefix = false;
        break;
      }
    }
    if (prefacePrefix) {
      return n >= PREFACE.length ? Verdict.HTTP2 : Verdict.NEED_MORE;
    }
    for (int i = 0; i < Math.min(n, MAX_METHOD_LEN + 1); i++) {
      byte c = b.getByte(r + i);
      if (c == ' ') {
        return i > 0 ? Verdict.HTTP1 : Verdict.GARBAGE;
      }
      if (c < 'A' || c > 'Z') {
        return Verdict.GARBAGE;
      }
    }
    return n > MAX_METHOD_LEN ? Verdict.GARBAGE : Verdict.NEED_MORE;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    release();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    release();
  }

  private void release() {
    if (buffered != null) {
      ReferenceCountUtil.safeRelease(buffered);
      buffered = null;
    }
  }
}
