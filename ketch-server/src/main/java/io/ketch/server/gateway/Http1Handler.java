package io.ketch.server.gateway;

import io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultHttpContent;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpResponseStatus;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpUtil;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 connection on the client port, after the first bytes showed it is not gRPC: each
 * aggregated request goes to the {@link HttpRouter} (Netty's keep-alive handler before it keeps the
 * connection open unless the client asked to close it). Requests on one connection are answered in
 * order (HTTP/1.1 has no other way): the next is read once the previous answer is written.
 */
final class Http1Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final HttpRouter router;

  Http1Handler(HttpRouter router) {
    super(true);
    this.router = router;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (!req.decoderResult().isSuccess()) {
      respond(ctx, HttpVersion.HTTP_1_1, JsonGateway.Answer.text(400, "400 Bad Request\n"));
      return;
    }
    byte[] body = ByteBufUtil.getBytes(req.content());
    String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    HttpVersion version = req.protocolVersion(); // as Go: an HTTP/1.0 request gets an HTTP/1.0 answer
    ctx.channel().config().setAutoRead(false); // one request at a time
    if (router.streams(req.method().name(), req.uri())) {
      Runnable cancel = router.stream(req.uri(), authorization, body, new ChunkedSink(ctx, version));
      ctx.channel().closeFuture().addListener(f -> cancel.run());
      return;
    }
    router.handle(req.method().name(), req.uri(), authorization, body).whenComplete((answer, err) -> {
      JsonGateway.Answer a = err == null ? answer : JsonGateway.error(io.grpc.Status.fromThrowable(err));
      ctx.executor().execute(() -> {
        respond(ctx, version, a);
        ctx.channel().config().setAutoRead(true);
        ctx.read();
      });
    });
  }

  private static void respond(ChannelHandlerContext ctx, HttpVersion version, JsonGateway.Answer a) {
    FullHttpResponse resp = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(a.status()),
        Unpooled.wrappedBuffer(a.body()));
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
    if (a.status() >= 400 && a.contentType().startsWith("text/plain")) {
      resp.headers().set("X-Content-Type-Options", "nosniff");
    }
    ctx.writeAndFlush(resp);
  }

  /** A streaming answer as a chunked response: one chunk per line, flushed as it comes. */
  private static final class ChunkedSink implements GatewayStream.Sink {
    private final ChannelHandlerContext ctx;
    private final HttpVersion version;

    ChunkedSink(ChannelHandlerContext ctx, HttpVersion version) {
      this.ctx = ctx;
      this.version = version;
    }

    @Override
    public void start() {
      ctx.executor().execute(() -> {
        HttpResponse resp = new DefaultHttpResponse(version, HttpResponseStatus.OK);
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        HttpUtil.setTransferEncodingChunked(resp, true);
        ctx.writeAndFlush(resp);
      });
    }

    @Override
    public void line(String text) {
      ctx.executor().execute(() ->
          ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8))));
    }

    @Override
    public void end(JsonGateway.Answer failure) {
      ctx.executor().execute(() -> {
        if (failure != null) {
          respond(ctx, version, failure);
        } else {
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        ctx.channel().config().setAutoRead(true);
        ctx.read();
      });
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
