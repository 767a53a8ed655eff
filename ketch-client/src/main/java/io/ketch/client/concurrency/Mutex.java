package io.ketch.client.concurrency;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.client.EtcdException;
import io.ketch.client.options.Cmp;
import io.ketch.client.options.DeleteOption;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.Op;
import io.ketch.client.options.PutOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A distributed lock as clientv3's {@code concurrency.Mutex}, with the same keys (so Go and Java
 * processes can share a lock): each contender puts {@code <name>/<lease hex>} under its session's
 * lease; the oldest key (lowest create revision) holds the lock, the others wait for every older
 * key to be deleted. The holder's create revision ({@link #revision()}) fences writes: compare it
 * in a transaction ({@link #isOwner()}) so a write only lands while the lock is still held.
 *
 * <p>One Mutex object per contender and session; not for concurrent use by several threads.
 */
public final class Mutex {
  private final Session session;
  private final ByteString prefix;
  private ByteString myKey = ByteString.EMPTY;
  private long myRev = -1;
  private ResponseHeader header;

  /** A mutex named {@code name} (a key prefix) held under {@code session}. */
  public Mutex(Session session, ByteString name) {
    this.session = session;
    this.prefix = name.concat(ByteString.copyFromUtf8("/"));
  }

  /** Thrown (inside the future) by {@link #tryLock()} when another session holds the lock. */
  public static final class LockedException extends EtcdException {
    private static final long serialVersionUID = 1L;

    LockedException() {
      super(io.grpc.Status.Code.FAILED_PRECONDITION, "mutex: Locked by another session", null);
    }
  }

  /**
   * Acquires the lock, waiting as long as it takes. Fails if the session ends while waiting
   * ({@code session expired}).
   */
  public CompletableFuture<Void> lock() {
    return tryAcquire().thenCompose(owned -> {
      if (owned) {
        return CompletableFuture.completedFuture(null);
      }
      return Waits.deletesOfOlder(session.client(), prefix, myRev - 1)
          .thenCompose(v -> session.client().kv().get(myKey))
          .thenCompose(r -> {
            if (r.getKvsCount() == 0) {
              myRev = -1;
              return CompletableFuture.failedFuture(
                  new EtcdException(io.grpc.Status.Code.FAILED_PRECONDITION, "mutex: session expired", null));
            }
            header = r.getHeader();
            return CompletableFuture.completedFuture(null);
          });
    });
  }

  /** Acquires the lock if nobody holds it; else leaves the line and fails with {@link LockedException}. */
  public CompletableFuture<Void> tryLock() {
    return tryAcquire().thenCompose(owned -> {
      if (owned) {
        return CompletableFuture.completedFuture(null);
      }
      return session.client().kv().delete(myKey).thenCompose(d -> {
        myKey = ByteString.EMPTY;
        myRev = -1;
        return CompletableFuture.failedFuture(new LockedException());
      });
    });
  }

  /** Puts this contender's key (unless there already) and says whether it is the oldest. */
  private CompletableFuture<Boolean> tryAcquire() {
    myKey = prefix.concat(ByteString.copyFromUtf8(Long.toHexString(session.leaseId())));
    Op getOwner = Op.get(prefix, Waits.firstCreated());
    return session.client().kv().txn()
        .If(Cmp.createRevision(myKey).equal(0))
        .then(Op.put(myKey, ByteString.EMPTY, PutOption.builder().withLease(session.leaseId()).build()), getOwner)
        .orElse(Op.get(myKey, GetOption.DEFAULT), getOwner)
        .commit()
        .thenApply((TxnResponse r) -> {
          myRev = r.getHeader().getRevision();
          if (!r.getSucceeded()) {
            myRev = r.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
          }
          List<KeyValue> owner = r.getResponses(1).getResponseRange().getKvsList();
          boolean owned = owner.isEmpty() || owner.get(0).getCreateRevision() == myRev;
          if (owned) {
            header = r.getHeader();
          }
          return owned;
        });
  }

  /** Releases the lock (deletes this contender's key). */
  public CompletableFuture<Void> unlock() {
    ByteString key = myKey;
    myKey = ByteString.EMPTY;
    myRev = -1;
    return session.client().kv().delete(key, DeleteOption.DEFAULT).thenApply(r -> null);
  }

  /** The compare that holds while this contender owns the lock: put it in a transaction's {@code If}. */
  public Cmp isOwner() {
    return Cmp.createRevision(myKey).equal(myRev);
  }

  /** This contender's key, {@code <name>/<lease hex>}. */
  public ByteString key() {
    return myKey;
  }

  /** The fencing revision: this contender's key's create revision (-1 when not locked). */
  public long revision() {
    return myRev;
  }

  /** The response header of the call that acquired the lock. */
  public ResponseHeader header() {
    return header;
  }
}
