package io.ketch.server.peer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;

/**
 * One unary method of the peer service. Requests and responses are this project's protobuf
 * messages; they cross Ratis's (shaded) gRPC as bytes, so the service needs no generated stubs
 * against Ratis's copy of gRPC.
 *
 * @param <Q> the request message
 * @param <R> the response message
 */
public final class PeerMethod<Q extends Message, R extends Message> {
  static final String SERVICE = "ketch.peer.Peer";
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private final MethodDescriptor<byte[], byte[]> descriptor;
  private final Parser<Q> requests;
  private final Parser<R> responses;

  PeerMethod(String name, Parser<Q> requests, Parser<R> responses) {
    this.descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
    this.requests = requests;
    this.responses = responses;
  }

  MethodDescriptor<byte[], byte[]> descriptor() {
    return descriptor;
  }

  Q parseRequest(byte[] b) throws InvalidProtocolBufferException {
    return requests.parseFrom(b);
  }

  R parseResponse(byte[] b) throws InvalidProtocolBufferException {
    return responses.parseFrom(b);
  }

  @Override
  public String toString() {
    return descriptor.getFullMethodName();
  }
}
