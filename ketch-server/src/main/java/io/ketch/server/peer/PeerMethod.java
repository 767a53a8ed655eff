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
 * One unary method of the peer service (served as a gRPC method and, when streamed, on the Calls
 * stream too). Requests and responses are this project's protobuf
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

  /**
   * The stream that carries the calls of streamed methods (see {@link PeerCallStream}): {@code
   * StreamedCall} messages one way, {@code StreamedReply} the other.
   */
  static final MethodDescriptor<byte[], byte[]> CALLS = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Calls"))
      .setRequestMarshaller(BYTES)
      .setResponseMarshaller(BYTES)
      .build();

  private final MethodDescriptor<byte[], byte[]> descriptor;
  private final Parser<Q> requests;
  private final Parser<R> responses;
  private final boolean streamed;

  PeerMethod(String name, Parser<Q> requests, Parser<R> responses) {
    this(name, requests, responses, false);
  }

  /**
   * @param streamed whether callers send it on their Calls stream to the peer rather than as a call
   *     of its own: for small calls made many times a second
   */
  PeerMethod(String name, Parser<Q> requests, Parser<R> responses, boolean streamed) {
    this.descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
    this.requests = requests;
    this.responses = responses;
    this.streamed = streamed;
  }

  MethodDescriptor<byte[], byte[]> descriptor() {
    return descriptor;
  }

  boolean streamed() {
    return streamed;
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
