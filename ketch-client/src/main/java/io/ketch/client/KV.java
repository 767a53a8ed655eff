package io.ketch.client;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.CompactionResponse;
import io.ketch.api.etcdserverpb.DeleteRangeResponse;
import io.ketch.api.etcdserverpb.PutResponse;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.client.options.DeleteOption;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.PutOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's KV service: reads, writes, transactions and compaction. Responses are etcd's own messages
 * (keys relative to the client's namespace). Futures fail with {@link EtcdException}; they
 * complete on gRPC's threads, so dependent actions should be short or moved to an executor.
 *
 * <p>Retries: reads ({@link #get}) are repeated on another endpoint when one is unavailable. Writes
 * ({@link #put}, {@link #delete}, {@link #txn}, {@link #compact}) wait for a ready endpoint until
 * the deadline and are sent once: a write that fails after it may have reached the server is
 * reported, never repeated, since it may have been applied.
 */
public interface KV {
  /** The key's current key-value (linearizable). Repeatable. */
  default CompletableFuture<RangeResponse> get(ByteString key) {
    return get(key, GetOption.DEFAULT);
  }

  /** The keys {@code option} selects from {@code key}. Repeatable. */
  CompletableFuture<RangeResponse> get(ByteString key, GetOption option);

  /** Sets the key's value. Sent once. */
  default CompletableFuture<PutResponse> put(ByteString key, ByteString value) {
    return put(key, value, PutOption.DEFAULT);
  }

  /** Sets the key's value with a lease, returning the previous value, etc. Sent once. */
  CompletableFuture<PutResponse> put(ByteString key, ByteString value, PutOption option);

  /** Deletes the key. Sent once. */
  default CompletableFuture<DeleteRangeResponse> delete(ByteString key) {
    return delete(key, DeleteOption.DEFAULT);
  }

  /** Deletes the keys {@code option} selects from {@code key}. Sent once. */
  CompletableFuture<DeleteRangeResponse> delete(ByteString key, DeleteOption option);

  /**
   * Compacts the history before {@code revision}; with {@code physical} the future completes only
   * once the space is reclaimed. Sent once.
   */
  CompletableFuture<CompactionResponse> compact(long revision, boolean physical);

  /** A new transaction builder: {@code txn().If(...).then(...).orElse(...).commit()}. */
  Txn txn();

  /** This KV with another deadline for each call (null: none). */
  KV withTimeout(Duration timeout);
}
