package io.ketch.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * An error answered by the server (or by the transport), with its gRPC code and etcd's text, for
 * example {@code INVALID_ARGUMENT "etcdserver: key is not provided"}. Every future of this library
 * fails with an {@code EtcdException} (or a subclass) when the call fails.
 */
public class EtcdException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The gRPC status code. */
  private final Status.Code code;

  /** An error with the given gRPC code and message (etcd's text where etcd has one). */
  public EtcdException(Status.Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The gRPC status code, as the server sent it ({@code UNAVAILABLE} for transport failures). */
  public Status.Code code() {
    return code;
  }

  /**
   * The given failure as an {@code EtcdException}: futures' wrappers are removed, gRPC statuses
   * keep their code and description, anything else becomes {@code UNKNOWN}.
   */
  public static EtcdException of(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof EtcdException) {
      return (EtcdException) c;
    }
    if (c instanceof StatusRuntimeException) {
      Status s = ((StatusRuntimeException) c).getStatus();
      String text = s.getDescription() != null ? s.getDescription() : s.getCode().toString();
      return new EtcdException(s.getCode(), text, c);
    }
    return new EtcdException(Status.Code.UNKNOWN, String.valueOf(c), c);
  }

  @Override
  public String toString() {
    return "EtcdException{" + code + ": " + getMessage() + "}";
  }
}
