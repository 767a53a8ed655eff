package io.ketch.client;

import com.google.protobuf.ByteString;
import io.ketch.api.v3lockpb.LockResponse;
import io.ketch.api.v3lockpb.UnlockResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Lock service (v3lockpb): a distributed lock held as long as a lease lives. Sent once:
 * a repeated lock request would queue a second time. For a client-side lock see
 * {@link io.ketch.client.concurrency.Mutex}.
 */
public interface Lock {
  /**
   * Waits (without deadline unless {@link #withTimeout} says otherwise) until the lock named
   * {@code name} is held under {@code leaseId}; the response's key is the ownership key, to unlock
   * with and whose create revision fences writes.
   */
  CompletableFuture<LockResponse> lock(ByteString name, long leaseId);

  /** Releases the lock held with {@code key}. */
  CompletableFuture<UnlockResponse> unlock(ByteString key);

  /** This Lock with a deadline for each call (null: none). */
  Lock withTimeout(Duration timeout);
}
