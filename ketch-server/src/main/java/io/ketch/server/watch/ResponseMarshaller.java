package io.ketch.server.watch;

import io.grpc.MethodDescriptor;
import java.io.InputStream;

/** Writes {@link EncodedResponse}s to gRPC as they are: the server side of the Watch method. */
public final class ResponseMarshaller implements MethodDescriptor.Marshaller<EncodedResponse> {
  @Override
  public InputStream stream(EncodedResponse r) {
    return r.stream();
  }

  @Override
  public EncodedResponse parse(InputStream stream) {
    throw new UnsupportedOperationException("watch responses are only ever sent by the server");
  }
}
