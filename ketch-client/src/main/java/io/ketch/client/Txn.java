package io.ketch.client;

import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.client.options.Cmp;
import io.ketch.client.options.Op;
import java.util.concurrent.CompletableFuture;

/**
 * A transaction being built: if every compare holds, the {@code then} operations run, else the
 * {@code orElse} ones, all at one revision. Not thread-safe; commit once.
 */
public interface Txn {
  /** Adds compares (all must hold). Named after clientv3's {@code If}; {@code if} is a Java keyword. */
  Txn If(Cmp... compares);

  /** Adds operations run when every compare holds. */
  Txn then(Op... ops);

  /** Adds operations run when some compare fails. */
  Txn orElse(Op... ops);

  /**
   * Sends the transaction, once (never repeated: it may write). The response's {@code succeeded}
   * says which branch ran.
   */
  CompletableFuture<TxnResponse> commit();
}
