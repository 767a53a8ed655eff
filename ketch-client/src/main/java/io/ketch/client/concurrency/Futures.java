package io.ketch.client.concurrency;

import io.ketch.client.EtcdException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Waiting on the client's futures, for the recipes whose methods block. */
final class Futures {
  private Futures() {}

  /** The future's value; its failure as an {@link EtcdException}; an interrupt as {@code CANCELLED}. */
  static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdException(io.grpc.Status.Code.CANCELLED, "interrupted", e);
    } catch (ExecutionException e) {
      throw EtcdException.of(e);
    }
  }
}
