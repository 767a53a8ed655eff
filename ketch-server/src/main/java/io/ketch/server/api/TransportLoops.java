package io.ketch.server.api;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The Netty event loops serving client connections. Handlers run on them; answering a call from the
 * loop it arrived on keeps its response writes on its connection's thread, so the Raft apply thread
 * only hands results over instead of writing responses itself.
 */
final class TransportLoops implements AutoCloseable {
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Class<? extends ServerChannel> channelType;
  private final List<EventExecutor> loops = new ArrayList<>();

  TransportLoops(int threads) {
    if (Epoll.isAvailable()) {
      boss = new EpollEventLoopGroup(1, new DefaultThreadFactory("ketch-accept", true));
      workers = new EpollEventLoopGroup(threads, new DefaultThreadFactory("ketch-grpc", true));
      channelType = EpollServerSocketChannel.class;
    } else {
      boss = new NioEventLoopGroup(1, new DefaultThreadFactory("ketch-accept", true));
      workers = new NioEventLoopGroup(threads, new DefaultThreadFactory("ketch-grpc", true));
      channelType = NioServerSocketChannel.class;
    }
    workers.forEach(loops::add);
  }

  EventLoopGroup boss() {
    return boss;
  }

  EventLoopGroup workers() {
    return workers;
  }

  Class<? extends ServerChannel> channelType() {
    return channelType;
  }

  /** The loop running the calling thread, or {@code fallback} when the caller is not a loop. */
  Executor current(Executor fallback) {
    Executor loop = currentLoop();
    return loop != null ? loop : fallback;
  }

  /** The loop running the calling thread, or null when the caller is not a loop. */
  ScheduledExecutorService currentLoop() {
    for (EventExecutor loop : loops) {
      if (loop.inEventLoop()) {
        return loop;
      }
    }
    return null;
  }

  @Override
  public void close() {
    workers.shutdownGracefully();
    boss.shutdownGracefully();
  }
}
