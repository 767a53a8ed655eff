package io.ketch.it;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/** A running etcd-compatible server under test: etcd (the oracle) or Ketch. */
public interface Endpoint extends AutoCloseable {
  /** A short name for messages ("etcd", "ketch"). */
  String name();

  /** The client address as {@code host:port}. */
  String address();

  /** A new plaintext channel to the client port; the caller closes it. */
  default ManagedChannel channel() {
    return NettyChannelBuilder.forTarget(address()).usePlaintext().maxInboundMessageSize(64 << 20).build();
  }

  @Override
  void close();
}
