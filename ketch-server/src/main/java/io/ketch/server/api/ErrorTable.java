package io.ketch.server.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ketch.api.EtcdError;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.lease.Lessor;
import io.ketch.server.mvcc.MvccException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one mapping from internal errors to the gRPC status a client receives (etcd's codes and texts). */
final class ErrorTable {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorTable.class);

  private ErrorTable() {}

  static EtcdError etcdError(MvccException.Kind kind) {
    return switch (kind) {
      case COMPACTED -> EtcdError.COMPACTED;
      case FUTURE_REV -> EtcdError.FUTURE_REV;
    };
  }

  static StatusRuntimeException toStatus(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof EtcdException e) {
      return e.error().exception();
    }
    if (t instanceof MvccException e) {
      return etcdError(e.kind()).exception();
    }
    if (t instanceof Lessor.NotPrimaryException) {
      return EtcdError.NO_LEADER.exception();
    }
    if (t instanceof StatusRuntimeException e) {
      return e;
    }
    LOG.error("event=internal-error", t);
    return Status.INTERNAL.withDescription("ketch: internal error: " + t).asRuntimeException();
  }
}
