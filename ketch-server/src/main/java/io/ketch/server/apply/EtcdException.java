package io.ketch.server.apply;

import io.ketch.api.EtcdError;

/** A request refused with one of etcd's errors; the API edge turns it into etcd's gRPC status. */
public final class EtcdException extends RuntimeException {
  private final EtcdError error;

  public EtcdException(EtcdError error) {
    super(error.description(), null, false, false);
    this.error = error;
  }

  public EtcdError error() {
    return error;
  }
}
