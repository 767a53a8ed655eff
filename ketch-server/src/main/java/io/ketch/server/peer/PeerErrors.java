package io.ketch.server.peer;

import io.ketch.api.EtcdError;
import io.ketch.server.apply.EtcdException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;

/**
 * How failures cross the peer service: etcd's errors keep their code and text, so a forwarded
 * request fails on the member the client called exactly as it failed on the leader; "not leader"
 * and transport failures tell the caller to find the leader and try again.
 */
final class PeerErrors {
  static final String NOT_LEADER = "ketch: this member is not the leader";

  private PeerErrors() {}

  /** The status a handler's failure is sent as. */
  static Status toStatus(Throwable t) {
    t = unwrap(t);
    if (t instanceof EtcdException e) {
      return Status.fromCodeValue(e.error().code().value()).withDescription(e.error().description());
    }
    if (t instanceof NotLeaderException) {
      return Status.FAILED_PRECONDITION.withDescription(NOT_LEADER);
    }
    if (t instanceof StatusRuntimeException s) {
      return s.getStatus();
    }
    return Status.INTERNAL.withDescription("ketch: peer call failed: " + t);
  }

  /** The exception a caller sees for a received status. */
  static RuntimeException fromStatus(Status s) {
    if (NOT_LEADER.equals(s.getDescription())) {
      return new NotLeaderException();
    }
    EtcdError e = EtcdError.fromDescription(s.getDescription());
    if (e != null) {
      return new EtcdException(e);
    }
    return new PeerUnavailableException(s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription()),
        s.getCause());
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
