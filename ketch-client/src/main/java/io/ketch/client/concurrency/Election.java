package io.ketch.client.concurrency;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.client.Client;
import io.ketch.client.cache.KvCache;
import io.ketch.client.EtcdException;
import io.ketch.client.options.Cmp;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.Op;
import io.ketch.client.options.PutOption;
import java.util.Comparator;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Leader election as clientv3's {@code concurrency.Election}, with the same keys: each candidate
 * puts {@code <name>/<lease hex>} (its proclaimed value) under its session's lease; the oldest key
 * leads. One Election object per candidate and session.
 */
public final class Election {
  /** etcd's text for a candidate that does not lead. */
  public static final String NOT_LEADER = "election: not leader";
  /** etcd's text for an election without leader. */
  public static final String NO_LEADER = "election: no leader";

  private final Session session;
  private final Client client;
  private final ByteString prefix;
  private ByteString candidateKey = ByteString.EMPTY;
  private long candidateRev = -1;
  private ByteString leaderKey = ByteString.EMPTY;
  private long leaderRev = -1;

  /** An election named {@code name} (a key prefix) in which {@code session} may campaign. */
  public Election(Session session, ByteString name) {
    this.session = session;
    this.client = session.client();
    this.prefix = name.concat(ByteString.copyFromUtf8("/"));
  }

  /**
   * Campaigns with {@code value} and completes once leading (after every older candidate is
   * gone). Campaigning again while a candidate just proclaims the new value. Until the future
   * completes this candidate does not lead: {@link #proclaim} fails, {@link #resign} withdraws.
   */
  public CompletableFuture<Void> campaign(ByteString value) {
    ByteString key = prefix.concat(ByteString.copyFromUtf8(Long.toHexString(session.leaseId())));
    return client.kv().txn()
        .If(Cmp.createRevision(key).equal(0))
        .then(Op.put(key, value, PutOption.builder().withLease(session.leaseId()).build()))
        .orElse(Op.get(key, GetOption.DEFAULT))
        .commit()
        .thenCompose((TxnResponse r) -> {
          long rev = r.getHeader().getRevision();
          CompletableFuture<Void> proclaimed = CompletableFuture.completedFuture(null);
          if (!r.getSucceeded()) {
            KeyValue kv = r.getResponses(0).getResponseRange().getKvs(0);
            rev = kv.getCreateRevision();
            if (!kv.getValue().equals(value)) {
              proclaimed = proclaimAt(key, rev, value);
            }
          }
          long myRev = rev;
          synchronized (this) {
            candidateKey = key;
            candidateRev = myRev;
          }
          return proclaimed.thenCompose(v -> Waits.deletesOfOlder(client, prefix, myRev - 1))
              .thenRun(() -> {
                synchronized (this) {
                  leaderKey = key;
                  leaderRev = myRev;
                }
              });
        });
  }

  /** Replaces the leader's value; fails with {@value #NOT_LEADER} when this candidate does not lead. */
  public CompletableFuture<Void> proclaim(ByteString value) {
    ByteString key;
    long rev;
    synchronized (this) {
      key = leaderKey;
      rev = leaderRev;
    }
    if (key.isEmpty()) {
      return CompletableFuture.failedFuture(notLeader());
    }
    return proclaimAt(key, rev, value);
  }

  private CompletableFuture<Void> proclaimAt(ByteString key, long rev, ByteString value) {
    return client.kv().txn()
        .If(Cmp.createRevision(key).equal(rev))
        .then(Op.put(key, value, PutOption.builder().withLease(session.leaseId()).build()))
        .commit()
        .thenCompose(r -> r.getSucceeded() ? CompletableFuture.completedFuture(null)
            : CompletableFuture.failedFuture(notLeader()));
  }

  private static EtcdException notLeader() {
    return new EtcdException(io.grpc.Status.Code.FAILED_PRECONDITION, NOT_LEADER, null);
  }

  /** Gives up leadership or candidacy (a no-op when neither). */
  public CompletableFuture<Void> resign() {
    ByteString key;
    long rev;
    synchronized (this) {
      key = candidateKey;
      rev = candidateRev;
      candidateKey = ByteString.EMPTY;
      candidateRev = -1;
      leaderKey = ByteString.EMPTY;
      leaderRev = -1;
    }
    if (key.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return client.kv().txn()
        .If(Cmp.createRevision(key).equal(rev))
        .then(Op.delete(key, io.ketch.client.options.DeleteOption.DEFAULT))
        .commit()
        .thenApply(r -> null);
  }

  /** This candidate's key while leading (empty otherwise). */
  public synchronized ByteString key() {
    return leaderKey;
  }

  /** This leader's key's create revision (-1 when not leading). */
  public synchronized long revision() {
    return leaderRev;
  }

  /** The current leader's key-value; fails with {@value #NO_LEADER} when nobody campaigns. */
  public CompletableFuture<KeyValue> leader() {
    return client.kv().get(prefix, Waits.firstCreated()).thenCompose((RangeResponse r) -> r.getKvsCount() == 0
        ? CompletableFuture.failedFuture(new EtcdException(io.grpc.Status.Code.NOT_FOUND, NO_LEADER, null))
        : CompletableFuture.completedFuture(r.getKvs(0)));
  }

  /**
   * Calls {@code onLeader} with the current leader (if any) and then with every new leader or new
   * value, until the returned handle is closed. Calls come one at a time, in order, on the
   * client's threads (keep them short). Built on a {@link KvCache} of the election's prefix, so a
   * disconnect or a compaction under the observer loses nothing.
   */
  public static AutoCloseable observe(Client client, ByteString name, Consumer<KeyValue> onLeader) {
    return new Observer(client, name.concat(ByteString.copyFromUtf8("/")), onLeader);
  }

  /** Follows every candidate of an election (a cache of its prefix) and reports the oldest when it changes. */
  private static final class Observer implements KvCache.Listener, AutoCloseable {
    private final Consumer<KeyValue> onLeader;
    private final TreeMap<ByteString, KeyValue> candidates = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    private final KvCache cache;
    private KeyValue reported;

    Observer(Client client, ByteString prefix, Consumer<KeyValue> onLeader) {
      this.onLeader = onLeader;
      this.cache = KvCache.start(client, prefix, this);
    }

    @Override
    public synchronized void onReady(NavigableMap<ByteString, KeyValue> snapshot, long revision) {
      candidates.putAll(snapshot);
      report();
    }

    @Override
    public synchronized void onPut(KeyValue kv, KeyValue previous) {
      candidates.put(kv.getKey(), kv);
      report();
    }

    @Override
    public synchronized void onDelete(KeyValue previous, long revision) {
      candidates.remove(previous.getKey());
      report();
    }

    private void report() {
      KeyValue oldest = candidates.values().stream().min(Comparator.comparingLong(KeyValue::getCreateRevision))
          .orElse(null);
      if (oldest == null) {
        return;
      }
      boolean same = reported != null && reported.getKey().equals(oldest.getKey())
          && reported.getCreateRevision() == oldest.getCreateRevision() && reported.getValue().equals(oldest.getValue());
      if (!same) {
        reported = oldest;
        onLeader.accept(oldest);
      }
    }

    @Override
    public void close() {
      cache.close();
    }
  }
}
