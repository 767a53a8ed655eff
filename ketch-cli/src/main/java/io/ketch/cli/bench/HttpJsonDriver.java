package io.ketch.cli.bench;

import com.google.protobuf.ByteString;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpRequest;
import io.grpc.netty.shaded.io.netty.handler.codec.http.FullHttpResponse;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpClientCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpHeaderNames;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpMethod;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpVersion;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * etcd's JSON gateway as a driver ({@code --driver=http}): puts and ranges as {@code POST
 * /v3/kv/put} and {@code /v3/kv/range} with JSON bodies over one HTTP/1.1 keep-alive connection per
 * driver (Netty; requests beyond the first in flight are pipelined, answered in order). Watches
 * are not driven. Every driver shares one small event loop group, so the load tool spends little
 * of the machine (the JDK's HttpClient spent most of it).
 */
final class HttpJsonDriver implements ClientDriver {
  private static final EventLoopGroup LOOPS = new NioEventLoopGroup(1, new DefaultThreadFactory("http-driver", true));

  private final Channel channel;
  private final String host;
  /** The requests written and not answered yet: each completes with its answer's status code. */
  private final ArrayDeque<CompletableFuture<Integer>> waiting = new ArrayDeque<>();

  HttpJsonDriver(String endpoint) {
    URI uri = URI.create(endpoint.startsWith("http") ? endpoint : "http://" + endpoint);
    this.host = uri.getHost() + ":" + uri.getPort();
    this.channel = new Bootstrap().group(LOOPS).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(16 << 20), new Answers());
          }
        }).connect(uri.getHost(), uri.getPort()).syncUninterruptibly().channel();
  }

  @Override
  public CompletableFuture<?> put(ByteString key, ByteString value) {
    return post("/v3/kv/put", "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}");
  }

  @Override
  public CompletableFuture<?> get(ByteString key, boolean serializable) {
    return post("/v3/kv/range", "{\"key\":\"" + b64(key) + "\"" + (serializable ? ",\"serializable\":true" : "") + "}");
  }

  @Override
  public CompletableFuture<Void> watch(ByteString key, ByteString end, Consumer<List<ByteString>> values) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("the http driver does not watch"));
  }

  private CompletableFuture<?> post(String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
        Unpooled.wrappedBuffer(body));
    req.headers().set(HttpHeaderNames.HOST, host);
    req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    CompletableFuture<Integer> answer = new CompletableFuture<>();
    synchronized (waiting) { // answers come back in the order the requests were written
      waiting.add(answer);
      channel.writeAndFlush(req);
    }
    return answer.thenApply(status -> {
      if (status != 200) {
        throw new IllegalStateException("HTTP " + status);
      }
      return status;
    });
  }

  private static String b64(ByteString b) {
    return Base64.getEncoder().encodeToString(b.toByteArray());
  }

  /** Completes the oldest waiting request with each answer. */
  private final class Answers extends SimpleChannelInboundHandler<FullHttpResponse> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
      CompletableFuture<Integer> f;
      synchronized (waiting) {
        f = waiting.poll();
      }
      if (f != null) {
        f.complete(r.status().code());
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      synchronized (waiting) {
        waiting.forEach(f -> f.completeExceptionally(new IllegalStateException("connection closed")));
        waiting.clear();
      }
    }
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }
}
