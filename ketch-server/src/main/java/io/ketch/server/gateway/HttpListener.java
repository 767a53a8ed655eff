package io.ketch.server.gateway;

import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.group.ChannelGroup;
import io.grpc.netty.shaded.io.netty.channel.group.DefaultChannelGroup;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObjectAggregator;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerCodec;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * An HTTP-only listener (HTTP/1.1, plain or TLS): etcd 3.5's {@code --listen-client-http-urls} (the
 * gateway, probes and metrics, leaving the client URLs to gRPC alone) and {@code --listen-metrics-urls}
 * ({@code /metrics} and the probes only), on the same event loops as the gRPC listeners.
 */
public final class HttpListener implements AutoCloseable {
  private final Channel server;
  private final ChannelGroup connections;

  private HttpListener(Channel server, ChannelGroup connections) {
    this.server = server;
    this.connections = connections;
  }

  /** Binds {@code address}; {@code ssl} null serves plain HTTP. */
  public static HttpListener bind(InetSocketAddress address, SslContext ssl, HttpRouter router, int maxHttpBody,
      EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> channelType) throws IOException {
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(channelType)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            connections.add(ch);
            if (ssl != null) {
              ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpObjectAggregator(maxHttpBody), new Http1Handler(router));
          }
        });
    ChannelFuture bound = b.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new IOException("cannot listen on " + address + ": " + bound.cause().getMessage(), bound.cause());
    }
    return new HttpListener(bound.channel(), connections);
  }

  /** Where it listens (the port resolved). */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly();
    connections.close().awaitUninterruptibly();
  }
}
