package io.ketch.server.gateway;

import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufHolder;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelOutboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelPromise;
import io.grpc.netty.shaded.io.netty.channel.FileRegion;
import io.grpc.netty.shaded.io.netty.handler.codec.http.HttpObject;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last handler of an HTTP/1 connection. The connection is still a gRPC ServerTransport as far as
 * ServerImpl is concerned, so gRPC may write its transport commands through
 * {@code channel.writeAndFlush()}: ForcefulCloseCommand (handshake timeout, shutdownNow) and
 * GracefulServerCloseCommand. Without this sink they would reach HttpServerCodec / HeadContext
 * and fail with "unsupported message type" and the connection would never be closed.
 *
 * <p>Policy: the gRPC handshake timeout ("Handshake timeout exceeded", because an HTTP/1
 * connection never calls transportReady) is ignored; any other command closes the connection.
 */
final class GrpcCommandSink extends ChannelOutboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcCommandSink.class);

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (msg instanceof HttpObject || msg instanceof ByteBuf || msg instanceof ByteBufHolder
        || msg instanceof FileRegion) {
      ctx.write(msg, promise);
      return;
    }
    ReferenceCountUtil.release(msg);
    promise.trySuccess();
    if (isHandshakeTimeout(msg)) {
      LOG.trace("event=grpc-handshake-timeout-ignored remote={}", ctx.channel().remoteAddress());
      return;
    }
    LOG.debug("event=http-connection-closed-by-grpc command={} remote={}", msg.getClass().getSimpleName(),
        ctx.channel().remoteAddress());
    ctx.close();
  }

  static boolean isHandshakeTimeout(Object msg) {
    if (!msg.getClass().getSimpleName().equals("ForcefulCloseCommand")) {
      return false;
    }
    try {
      Method m = msg.getClass().getDeclaredMethod("getStatus");
      m.setAccessible(true); // package-private class in the shaded jar (unnamed module)
      Status s = (Status) m.invoke(msg);
      return s.getDescription() != null && s.getDescription().startsWith("Handshake timeout");
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false; // be conservative: close
    }
  }
}
