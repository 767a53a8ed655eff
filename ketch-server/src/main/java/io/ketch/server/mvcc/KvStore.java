package io.ketch.server.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Schema;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multi-version key-value store: etcd's MVCC over a {@link Backend}. Every change gets a store
 * revision; history is kept until compacted.
 *
 * <p>Concurrency: one thread applies (the Raft apply thread): it alone calls {@link #beginWrite},
 * {@link #compact} and {@link #publish}. Any thread may read with {@link #range}. Reads see the
 * <em>published</em> revision: the apply thread writes changes into a backend batch and into the
 * index, but readers only see them once {@link #publish()} runs after the batch was committed, so a
 * reader never finds an index entry whose value is not in the backend.
 *
 * <p>Lock: {@code lock} guards {@code index} and {@code compactMainRev}. Readers hold the read lock
 * for a whole range, value reads included, so a compaction (write lock) cannot remove a value a
 * running read still needs. The apply thread reads the index without the lock (it is its only
 * writer) and takes the write lock to change it.
 */
public final class KvStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KvStore.class);
  private static final int COMPACTION_BATCH = 1000;

  private final Backend backend;
  private final KeyLeases keyLeases;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  // @GuardedBy("lock")
  private TreeIndex index = new TreeIndex();
  // @GuardedBy("lock") for writes; read by the apply thread without it
  private long compactMainRev = -1;
  /** The revision readers see: every change up to it is in the backend. */
  private volatile long currentRev = 1;
  /** The revision of the last applied change (apply thread only); ahead of currentRev until publish. */
  private long applyRev = 1;
  /** Values written into the not yet committed batch (apply thread only). */
  private final Map<Revision, KeyValue> pending = new HashMap<>();
  private Runnable pendingCompaction;
  /** Events of the changes written since the last publish, in revision order (apply thread only). */
  private List<Event> unpublishedEvents = new ArrayList<>();
  private final List<EventSink> eventSinks = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The newest physical compaction; the next one runs after it. */
  private volatile CompletableFuture<Void> lastCompaction = CompletableFuture.completedFuture(null);
  private final ExecutorService compactor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "ketch-compactor");
    t.setDaemon(true);
    return t;
  });

  private KvStore(Backend backend, KeyLeases keyLeases) {
    this.backend = backend;
    this.keyLeases = keyLeases;
  }

  /** Opens a store without leases on {@code backend} (tests). */
  private final MvccCounters counters = new MvccCounters();
  private final java.util.concurrent.atomic.AtomicLong liveKeys = new java.util.concurrent.atomic.AtomicLong();

  /** Keys that exist now (etcd's keys_total): counted at restore, then kept by puts and deletes. */
  public long keyCount() {
    return liveKeys.get();
  }

  /** What the store has served since start (etcd's mvcc metrics). */
  public MvccCounters counters() {
    return counters;
  }

  public static KvStore open(Backend backend) {
    return open(backend, KeyLeases.NONE);
  }

  /**
   * Opens the store on {@code backend}, rebuilding the index from the {@code key} bucket and telling
   * {@code keyLeases} which lease each live key is attached to.
   */
  public static KvStore open(Backend backend, KeyLeases keyLeases) {
    KvStore s = new KvStore(backend, keyLeases);
    s.restore();
    return s;
  }

  private void restore() {
    long finished = readLong(Schema.FINISHED_COMPACT_REV, -1);
    long scheduled = readLong(Schema.SCHEDULED_COMPACT_REV, -1);
    compactMainRev = finished;
    long[] last = {1};
    backend.scan(Schema.KEY, null, null, (k, v) -> {
      Revision rev = Revision.fromBytes(k);
      KeyValue kv = parse(v);
      byte[] key = kv.getKey().toByteArray();
      boolean tombstone = Revision.isTombstone(k);
      index.restore(key, rev, tombstone, kv.getCreateRevision(), kv.getVersion(), kv.getLease());
      if (tombstone) {
        keyLeases.deleted(key);
      } else {
        keyLeases.put(key, kv.getLease());
      }
      last[0] = rev.main();
      return true;
    });
    long rev = Math.max(last[0], compactMainRev);
    currentRev = rev;
    applyRev = rev;
    if (scheduled > finished) {
      LOG.info("event=resume-compaction rev={} finished={}", scheduled, finished);
      compactMainRev = scheduled;
      Set<Revision> keep = index.compact(scheduled);
      lastCompaction = CompletableFuture.runAsync(() -> deleteCompacted(scheduled, keep), compactor);
    }
    liveKeys.set(index.range(new byte[0], new byte[] {0}, currentRev).size());
    LOG.info("event=mvcc-restored rev={} compact_rev={} keys={} live_keys={}", currentRev, compactMainRev,
        index.size(), liveKeys.get());
  }

  /**
   * Rebuilds the store from a backend whose whole content {@code replaceBackend} replaces (a Raft
   * snapshot installed from the leader): waits for a running compaction, then, with readers held off,
   * replaces the content and rebuilds the index; the event sinks then hear that history was replaced.
   * Apply thread, with nothing unpublished.
   */
  public void reload(IoAction replaceBackend) throws java.io.IOException {
    compactionBarrier().join();
    long rev;
    lock.writeLock().lock();
    try {
      replaceBackend.run();
      index = new TreeIndex();
      pending.clear();
      unpublishedEvents = new ArrayList<>();
      pendingCompaction = null;
      restore();
      rev = currentRev;
    } finally {
      lock.writeLock().unlock();
    }
    for (EventSink sink : eventSinks) {
      sink.replaced(rev);
    }
  }

  /** A step that may fail with an I/O error. */
  @FunctionalInterface
  public interface IoAction {
    void run() throws java.io.IOException;
  }

  /** The revision of the last applied change, published or not. Apply thread only. */
  public long appliedRevision() {
    return applyRev;
  }

  /** The newest published revision. */
  public long currentRevision() {
    return currentRev;
  }

  /** The revision the history was last compacted at, or -1. */
  public long compactRevision() {
    lock.readLock().lock();
    try {
      return compactMainRev;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Reads {@code [key, end)} at the published revision (see {@link TreeIndex} for {@code end}).
   *
   * @throws MvccException for a compacted or future revision
   */
  public RangeResult range(byte[] key, byte[] end, RangeOptions ro) {
    lock.readLock().lock();
    try {
      return rangeKeys(key, end, currentRev, ro, false);
    } finally {
      lock.readLock().unlock();
    }
  }

  private RangeResult rangeKeys(byte[] key, byte[] end, long curRev, RangeOptions ro, boolean applying) {
    counters.ranges.increment();
    long rev = ro.rev();
    if (rev > curRev) {
      throw new MvccException(MvccException.Kind.FUTURE_REV);
    }
    if (rev <= 0) {
      rev = curRev;
    }
    if (rev < compactMainRev) {
      throw new MvccException(MvccException.Kind.COMPACTED);
    }
    List<TreeIndex.Entry> entries = index.range(key, end, rev);
    if (entries.isEmpty() || ro.countOnly()) {
      return new RangeResult(List.of(), entries.size(), curRev);
    }
    int n = entries.size();
    if (ro.limit() > 0 && ro.limit() < n) {
      n = (int) ro.limit();
    }
    List<KeyValue> kvs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      TreeIndex.Entry e = entries.get(i);
      kvs.add(ro.keysOnly() ? keyOnly(e) : value(e.found().modified(), applying));
    }
    return new RangeResult(kvs, entries.size(), curRev);
  }

  /** A key-value without its value, from the index alone: a keys-only range reads no value. */
  private static KeyValue keyOnly(TreeIndex.Entry e) {
    KeyIndex.Found f = e.found();
    return KeyValue.newBuilder()
        .setKey(UnsafeByteOperations.unsafeWrap(e.key()))
        .setCreateRevision(f.created().main())
        .setModRevision(f.modified().main())
        .setVersion(f.version())
        .setLease(f.lease())
        .build();
  }

  private KeyValue value(Revision rev, boolean applying) {
    if (applying) {
      KeyValue kv = pending.get(rev);
      if (kv != null) {
        return kv;
      }
    }
    byte[] v = backend.get(Schema.KEY, rev.toBytes(false));
    if (v == null) {
      throw new IllegalStateException("index names revision " + rev + " but the backend has no value for it");
    }
    return parse(v);
  }

  /**
   * Runs {@code body} on a view of the published revision that stays consistent for the whole call
   * (a compaction waits for it). Any thread.
   */
  public <T> T read(java.util.function.Function<ReadView, T> body) {
    lock.readLock().lock();
    try {
      long rev = currentRev;
      long first = compactMainRev;
      int[] ranges = new int[1];
      T result = body.apply(new ReadView() {
        @Override
        public long rev() {
          return rev;
        }

        @Override
        public long firstRev() {
          return first;
        }

        @Override
        public RangeResult range(byte[] key, byte[] end, RangeOptions ro) {
          ranges[0]++;
          return rangeKeys(key, end, rev, ro, false);
        }
      });
      if (ranges[0] > 1) {
        counters.txns.increment();
      }
      return result;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * etcd's HashByRev (Maintenance.HashKV): the hash of the history up to {@code rev} (0: the
   * published revision; below 0 hashes nothing but the bucket name, as etcd's does), computed as
   * {@link KvHasher} says. Any thread.
   *
   * <p>The index is read and a backend snapshot taken under the read lock, so the keep set, the
   * compaction revision and the entries all belong to one state; the scan runs after the lock is
   * released, so writes wait only for the keep set to be computed.
   *
   * @throws MvccException COMPACTED for {@code 0 < rev <} the compaction revision (the compaction
   *     revision itself can be hashed, as in etcd 3.4.27+ and 3.5.10+; earlier ones refused it),
   *     FUTURE_REV for a revision not yet published
   */
  public KvHash hashByRev(long rev) {
    long compactRev;
    long curRev;
    long atRev;
    Set<Revision> keep;
    Backend.Snapshot snapshot;
    lock.readLock().lock();
    try {
      compactRev = compactMainRev;
      curRev = currentRev;
      if (rev > 0 && rev < compactRev) {
        throw new MvccException(MvccException.Kind.COMPACTED);
      }
      if (rev > curRev) {
        throw new MvccException(MvccException.Kind.FUTURE_REV);
      }
      atRev = rev == 0 ? curRev : rev;
      keep = index.keep(atRev);
      snapshot = backend.snapshot();
    } finally {
      lock.readLock().unlock();
    }
    try (snapshot) {
      KvHasher h = new KvHasher(compactRev, atRev, keep);
      snapshot.scan(Schema.KEY, null, Revision.startOf(Math.max(atRev + 1, 0)), (k, v) -> {
        h.add(k, v);
        return true;
      });
      return new KvHash(h.value(), compactRev, atRev, curRev);
    }
  }

  /**
   * Reads the changes of revisions {@code from..to} (inclusive) from the history, as watch events in
   * revision order, stopping after {@code maxRevisions} distinct revisions. Any thread; {@code to}
   * must be published. The caller must check {@link #compactRevision()} after the call: a compaction
   * that overtook the read may have removed events from it.
   */
  public HistoryChunk history(long from, long to, int maxRevisions) {
    List<Event> events = new ArrayList<>();
    long[] next = {to + 1};
    int[] revs = {0};
    long[] lastMain = {-1};
    backend.scan(Schema.KEY, Revision.startOf(Math.max(from, 0)), Revision.startOf(to + 1), (k, v) -> {
      Revision rev = Revision.fromBytes(k);
      if (rev.main() != lastMain[0]) {
        if (revs[0] == maxRevisions) {
          next[0] = rev.main();
          return false;
        }
        revs[0]++;
        lastMain[0] = rev.main();
      }
      KeyValue kv = parse(v);
      if (Revision.isTombstone(k)) {
        events.add(Event.newBuilder().setType(Event.EventType.DELETE)
            .setKv(kv.toBuilder().setModRevision(rev.main())).build());
      } else {
        events.add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
      }
      return true;
    });
    return new HistoryChunk(events, next[0]);
  }

  /**
   * The key-value {@code key} had at revision {@code rev} (live or not), for a watch event's
   * prev_kv; null when it had none or that revision is compacted. Any thread.
   */
  public KeyValue valueAt(byte[] key, long rev) {
    lock.readLock().lock();
    try {
      if (rev < compactMainRev || rev > currentRev || rev <= 0) {
        return null;
      }
      List<TreeIndex.Entry> e = index.range(key, null, rev);
      return e.isEmpty() ? null : value(e.get(0).found().modified(), false);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Adds a listener for published changes (the watch layer, the server-side recipes). Changes
   * published before the call are not reported: a sink reads {@link #currentRevision()} after
   * adding itself. Sinks hear each publish in the order they were added.
   */
  public void addEventSink(EventSink sink) {
    eventSinks.add(sink);
  }

  /** Starts a write transaction whose changes go to {@code batch}. Apply thread only. */
  public WriteTxn beginWrite(Backend.Batch batch) {
    return new WriteTxn(batch);
  }

  /**
   * Compacts the history at {@code rev}: reads below it fail from now on and the revisions no read
   * can need any more are deleted from the backend in bounded batches, after {@link #publish()}.
   * Apply thread only.
   *
   * @return completes when the backend deletion has finished
   * @throws MvccException if {@code rev} is already compacted or in the future
   */
  public CompletableFuture<Void> compact(long rev, Backend.Batch batch) {
    if (rev <= compactMainRev) {
      throw new MvccException(MvccException.Kind.COMPACTED);
    }
    if (rev > applyRev) {
      throw new MvccException(MvccException.Kind.FUTURE_REV);
    }
    Set<Revision> keep;
    lock.writeLock().lock();
    try {
      compactMainRev = rev;
      keep = index.compact(rev);
    } finally {
      lock.writeLock().unlock();
    }
    batch.put(Schema.META, Schema.SCHEDULED_COMPACT_REV, longBytes(rev));
    CompletableFuture<Void> done = new CompletableFuture<>();
    pendingCompaction = () -> {
      lastCompaction = lastCompaction
          .thenRunAsync(() -> deleteCompacted(rev, keep), compactor)
          .whenComplete((v, e) -> {
            if (e != null) {
              done.completeExceptionally(e);
            } else {
              done.complete(null);
            }
          });
    };
    return done;
  }

  /**
   * Completes once the backend deletions of every compaction published so far have finished (or
   * failed): etcd's compaction barrier, which a physical Compact refused as already compacted still
   * waits for. Any thread.
   */
  public CompletableFuture<Void> compactionBarrier() {
    return lastCompaction.handle((v, e) -> null);
  }

  private void deleteCompacted(long rev, Set<Revision> keep) {
    byte[] end = Revision.startOf(rev + 1);
    byte[] from = Revision.startOf(0);
    long deleted = 0;
    while (true) {
      List<byte[]> victims = new ArrayList<>(COMPACTION_BATCH);
      byte[][] next = {null};
      backend.scan(Schema.KEY, from, end, (k, v) -> {
        if (victims.size() == COMPACTION_BATCH) {
          next[0] = k;
          return false;
        }
        if (!keep.contains(Revision.fromBytes(k))) {
          victims.add(k);
        }
        return true;
      });
      if (!victims.isEmpty()) {
        try (Backend.Batch b = backend.newBatch()) {
          for (byte[] k : victims) {
            b.delete(Schema.KEY, k);
          }
          backend.commit(b);
        }
        deleted += victims.size();
      }
      if (next[0] == null) {
        break;
      }
      from = next[0];
    }
    try (Backend.Batch b = backend.newBatch()) {
      b.put(Schema.META, Schema.FINISHED_COMPACT_REV, longBytes(rev));
      backend.commit(b);
    }
    LOG.info("event=compaction-finished rev={} deleted={}", rev, deleted);
  }

  /**
   * Makes every change written so far visible to readers. Call after the batch holding them was
   * committed. Apply thread only.
   */
  public void publish() {
    currentRev = applyRev;
    pending.clear();
    if (!unpublishedEvents.isEmpty()) {
      List<Event> events = unpublishedEvents;
      unpublishedEvents = new ArrayList<>();
      for (EventSink sink : eventSinks) {
        sink.published(currentRev, events);
      }
    }
    if (pendingCompaction != null) {
      Runnable r = pendingCompaction;
      pendingCompaction = null;
      r.run();
    }
  }

  @Override
  public void close() {
    compactor.shutdown();
  }

  private long readLong(byte[] metaKey, long dflt) {
    byte[] b = backend.get(Schema.META, metaKey);
    return b == null ? dflt : ByteBuffer.wrap(b).getLong();
  }

  static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  private static KeyValue parse(byte[] v) {
    try {
      return KeyValue.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt value in key bucket: " + e.getMessage(), e);
    }
  }

  /**
   * One write transaction, as etcd's storeTxnWrite: all its changes share main revision
   * {@code beginRev + 1} with increasing sub revisions, and its reads see its own earlier changes.
   */
  public final class WriteTxn implements ReadView {
    private final Backend.Batch batch;
    private final long beginRev;
    private int changes;
    /** Ranges, puts and delete-ranges of this transaction: more than one makes it a txn (metrics). */
    private int ops;

    private WriteTxn(Backend.Batch batch) {
      this.batch = batch;
      this.beginRev = applyRev;
    }

    /** The revision a change would get: the store revision after this transaction. */
    public long nextRev() {
      return beginRev + 1;
    }

    /** The revision reads see now: {@code beginRev}, or {@code beginRev + 1} after a change. */
    @Override
    public long rev() {
      return changes > 0 ? beginRev + 1 : beginRev;
    }

    @Override
    public long firstRev() {
      return compactMainRev;
    }

    @Override
    public RangeResult range(byte[] key, byte[] end, RangeOptions ro) {
      ops++;
      return rangeKeys(key, end, rev(), ro, true);
    }

    /** Writes {@code key = value}; returns the stored key-value. */
    public KeyValue put(byte[] key, ByteString value, long lease) {
      ops++;
      counters.puts.increment();
      long rev = beginRev + 1;
      KeyIndex ki;
      lock.writeLock().lock();
      try {
        ki = index.getOrCreate(key);
      } finally {
        lock.writeLock().unlock();
      }
      KeyIndex.Found prev = ki.get(rev);
      if (prev == null) {
        liveKeys.incrementAndGet();
      }
      Revision idx = new Revision(rev, changes);
      KeyValue kv = KeyValue.newBuilder()
          .setKey(UnsafeByteOperations.unsafeWrap(key))
          .setValue(value)
          .setCreateRevision(prev == null ? rev : prev.created().main())
          .setModRevision(rev)
          .setVersion(prev == null ? 1 : prev.version() + 1)
          .setLease(lease)
          .build();
      batch.put(Schema.KEY, idx.toBytes(false), kv.toByteArray());
      pending.put(idx, kv);
      unpublishedEvents.add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
      lock.writeLock().lock();
      try {
        ki.put(idx, lease);
      } finally {
        lock.writeLock().unlock();
      }
      keyLeases.put(key, lease);
      changes++;
      return kv;
    }

    /** Deletes every live key in the range; returns the deleted keys in key order. */
    public List<byte[]> deleteRange(byte[] key, byte[] end) {
      ops++;
      counters.deletes.increment();
      List<TreeIndex.Entry> live = index.range(key, end, rev());
      liveKeys.addAndGet(-live.size());
      List<byte[]> deleted = new ArrayList<>(live.size());
      for (TreeIndex.Entry e : live) {
        Revision idx = new Revision(beginRev + 1, changes);
        KeyValue tomb = KeyValue.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(e.key())).build();
        batch.put(Schema.KEY, idx.toBytes(true), tomb.toByteArray());
        unpublishedEvents.add(Event.newBuilder().setType(Event.EventType.DELETE)
            .setKv(tomb.toBuilder().setModRevision(idx.main())).build());
        lock.writeLock().lock();
        try {
          index.tombstone(e.key(), idx);
        } finally {
          lock.writeLock().unlock();
        }
        keyLeases.deleted(e.key());
        changes++;
        deleted.add(e.key());
      }
      return deleted;
    }

    /** Ends the transaction; returns the store revision after it. */
    public long end() {
      if (ops > 1) {
        counters.txns.increment();
      }
      if (changes > 0) {
        applyRev = beginRev + 1;
      }
      return applyRev;
    }
  }
}
