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
import java.util.ArrayDeque;

/**
 * One HTTP/1.1 connection on the client port, after the first bytes showed it is not gRPC: each
 * aggregated request goes to the {@link HttpRouter} (Netty's keep-alive handler before it keeps the
 * connection open unless the client asked to close it). Requests on one connection are answered in
 * the order they came (HTTP/1.1 pipelining has no other way): each waits until the one before it is
 * written.
 */
final class Http1Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
  /** Pipelined requests held at most before the connection stops being read. */
  private static final int MAX_WAITING = 16;

  /** A request as read, kept until its turn. */
  private record Request(boolean decoded, String method, String uri, String authorization, String contentType,
      byte[] body, HttpVersion version) {}

  private final HttpRouter router;
  /** Requests read while an earlier one is being answered (HTTP/1.1 pipelining): answered in order. */
  private final ArrayDeque<Request> waiting = new ArrayDeque<>();
  private boolean answering;

  Http1Handler(HttpRouter router) {
    super(true);
    this.router = router;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    // as Go: an HTTP/1.0 request gets an HTTP/1.0 answer
    waiting.add(new Request(req.decoderResult().isSuccess(), req.method().name(), req.uri(),
        req.headers().get(HttpHeaderNames.AUTHORIZATION), req.headers().get(HttpHeaderNames.CONTENT_TYPE),
        ByteBufUtil.getBytes(req.content()), req.protocolVersion()));
    if (waiting.size() > MAX_WAITING) {
      ctx.channel().config().setAutoRead(false); // read on once the queue drains
    }
    next(ctx);
  }

  /** Answers the next waiting request unless one is being answered. Event loop only. */
  private void next(ChannelHandlerContext ctx) {
    if (answering) {
      return;
    }
    Request req = waiting.poll();
    if (req == null) {
      ctx.channel().config().setAutoRead(true);
      return;
    }
    answering = true;
    if (!req.decoded()) {
      respond(ctx, HttpVersion.HTTP_1_1, JsonGateway.Answer.text(400, "400 Bad Request\n"));
      done(ctx);
      return;
    }
    if (req.method().equals("OPTIONS")) {
      // etcd's CORS handler (--cors defaults to "*") answers a preflight itself
      respond(ctx, req.version(), new JsonGateway.Answer(200, null, new byte[0]));
      done(ctx);
      return;
    }
    if (router.streams(req.method(), req.uri())) {
      Runnable cancel = router.stream(req.uri(), req.authorization(), req.body(), new ChunkedSink(ctx, req.version()));
      ctx.channel().closeFuture().addListener(f -> cancel.run());
      return;
    }
    router.handle(req.method(), req.uri(), req.authorization(), req.contentType(), req.body())
        .whenComplete((answer, err) -> {
      JsonGateway.Answer a = err == null ? answer : JsonGateway.error(io.grpc.Status.fromThrowable(err));
      ctx.executor().execute(() -> {
        respond(ctx, req.version(), req.method().equals("HEAD") ? headOnly(a) : a);
        done(ctx);
      });
    });
  }

  private void done(ChannelHandlerContext ctx) {
    answering = false;
    next(ctx);
  }

  /** A HEAD answer: the headers of the GET answer, its length, and no body (as Go's server sends it). */
  private static JsonGateway.Answer headOnly(JsonGateway.Answer a) {
    java.util.Map<String, String> h = new java.util.LinkedHashMap<>(a.headers());
    h.put("Content-Length", Integer.toString(a.body().length));
    return new JsonGateway.Answer(a.status(), a.contentType(), new byte[0], h);
  }

  private static void respond(ChannelHandlerContext ctx, HttpVersion version, JsonGateway.Answer a) {
    FullHttpResponse resp = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(a.status()),
        Unpooled.wrappedBuffer(a.body()));
    cors(resp);
    if (a.contentType() != null) {
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, a.contentType());
    }
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
    a.headers().forEach((k, v) -> resp.headers().set(k, v));
    if (a.status() >= 400 && a.contentType() != null && a.contentType().startsWith("text/plain")) {
      resp.headers().set("X-Content-Type-Options", "nosniff");
    }
    ctx.writeAndFlush(resp);
  }

  /** etcd's default CORS headers ({@code --cors="*"}), on every answer of the client port. */
  private static void cors(HttpResponse resp) {
    resp.headers().set("Access-Control-Allow-Headers", "accept, content-type, authorization");
    resp.headers().set("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
    resp.headers().set("Access-Control-Allow-Origin", "*");
  }

  /** A streaming answer as a chunked response: one chunk per line, flushed as it comes. */
  private final class ChunkedSink implements GatewayStream.Sink {
    private final ChannelHandlerContext ctx;
    private final HttpVersion version;

    ChunkedSink(ChannelHandlerContext ctx, HttpVersion version) {
      this.ctx = ctx;
      this.version = version;
    }

    @Override
    public void start(java.util.Map<String, String> headers) {
      ctx.executor().execute(() -> {
        HttpResponse resp = new DefaultHttpResponse(version, HttpResponseStatus.OK);
        cors(resp);
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        headers.forEach((k, v) -> resp.headers().set(k, v));
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
        done(ctx);
      });
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
