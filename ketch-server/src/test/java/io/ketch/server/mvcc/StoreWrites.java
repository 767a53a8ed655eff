package io.ketch.server.mvcc;

import io.ketch.server.storage.Backend;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Writes to a {@link KvStore} in tests as the apply thread does: one batch, committed, then published. */
final class StoreWrites {
  private StoreWrites() {}

  static void write(KvStore kv, Backend be, Consumer<KvStore.WriteTxn> body) {
    try (Backend.Batch b = be.newBatch()) {
      KvStore.WriteTxn t = kv.beginWrite(b);
      body.accept(t);
      t.end();
      be.commit(b);
    }
    kv.publish();
  }

  /** Compacts at {@code rev} and waits for the backend deletions to finish. */
  static void compact(KvStore kv, Backend be, long rev) throws Exception {
    CompletableFuture<Void> deleted;
    try (Backend.Batch b = be.newBatch()) {
      deleted = kv.compact(rev, b);
      be.commit(b);
    }
    kv.publish();
    deleted.get(30, TimeUnit.SECONDS);
  }
}
