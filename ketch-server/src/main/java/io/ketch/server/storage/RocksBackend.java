package io.ketch.server.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * {@link Backend} on RocksDB, one column family per bucket.
 *
 * <p>Durability: RocksDB's WAL is written but not fsynced. The Raft log is the durable record
 * (fsynced before any write is acknowledged); every batch carries the consistent index, so after a
 * crash the entries RocksDB lost are re-applied from the Raft log. A process kill loses nothing from
 * RocksDB (the WAL is in the OS page cache); only a machine crash can, and the Raft log covers it.
 *
 * <p>The open database is a {@link Store}: every operation holds it while it runs (a read view for
 * as long as it is open), so that {@link #replaceWith} can swap the whole database for a checkpoint
 * (a Raft snapshot installed from the leader) once the operations on the old one have finished,
 * never under them.
 */
public final class RocksBackend implements Backend {
  static {
    RocksDB.loadLibrary();
  }

  private static final long SIZE_REFRESH_MILLIS = 100;
  /** How long a replacement or close waits for operations on the old database to finish. */
  private static final long DRAIN_MILLIS = 30_000;

  private final Path dir;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache blockCache;
  private final WriteOptions writeOptions;
  /** The open database; null while it is being replaced (operations then wait on {@code swapping}). */
  private volatile Store store;
  private final Object swapping = new Object();
  /** Held while a defragmentation runs: one at a time, and close waits for it to stop. */
  private final Object defragmenting = new Object();
  private final CompactRangeOptions defragOptions = new CompactRangeOptions()
      .setExclusiveManualCompaction(false)
      .setAllowWriteStall(false)
      .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce);
  private volatile boolean closing;
  /** The last measured {@link #sizeOnDisk()}, and when (nanoTime; 0: measure afresh). */
  private volatile long size;
  private volatile long sizeMeasuredAt;

  /** One opened database and the operations running on it. */
  private static final class Store {
    final RocksDB db;
    final List<ColumnFamilyHandle> handles;
    final Map<String, ColumnFamilyHandle> buckets = new HashMap<>();
    final LongAdder users = new LongAdder();
    volatile boolean retired;

    Store(RocksDB db, List<ColumnFamilyHandle> handles) {
      this.db = db;
      this.handles = handles;
      for (int i = 0; i < Schema.BUCKETS.size(); i++) {
        buckets.put(Schema.BUCKETS.get(i), handles.get(i + 1));
      }
    }

    ColumnFamilyHandle handle(String bucket) {
      ColumnFamilyHandle h = buckets.get(bucket);
      if (h == null) {
        throw new IllegalArgumentException("unknown bucket: " + bucket);
      }
      return h;
    }

    void close() {
      for (ColumnFamilyHandle h : handles) {
        h.close();
      }
      db.close();
    }
  }

  private RocksBackend(Path dir) throws RocksDBException {
    this.dir = dir;
    this.blockCache = new LRUCache(256L << 20);
    this.dbOptions = new DBOptions()
        .setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2)
        .setKeepLogFileNum(2);
    this.cfOptions = new ColumnFamilyOptions()
        .setWriteBufferSize(64L << 20)
        .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(blockCache));
    this.writeOptions = new WriteOptions().setSync(false);
    this.store = openStore();
  }

  private Store openStore() throws RocksDBException {
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    for (String bucket : Schema.BUCKETS) {
      descriptors.add(new ColumnFamilyDescriptor(bytes(bucket), cfOptions));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    return new Store(db, handles);
  }

  /** Opens (creating if needed) the database in {@code dir}. */
  public static RocksBackend open(Path dir) {
    try {
      finishInterruptedReplace(dir);
      Files.createDirectories(dir);
      return new RocksBackend(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RocksDBException e) {
      throw new IllegalStateException("cannot open backend at " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Path incoming(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".incoming");
  }

  private static Path outgoing(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".outgoing");
  }

  /**
   * A replacement stopped by a crash: the new database is complete once it is in {@code .incoming}
   * (it is written there in full first), so it is moved in if the old one was already moved out.
   */
  private static void finishInterruptedReplace(Path dir) throws IOException {
    if (!Files.exists(dir) && Files.isDirectory(incoming(dir)) && Files.isDirectory(outgoing(dir))) {
      Files.move(incoming(dir), dir, StandardCopyOption.ATOMIC_MOVE);
    }
    Directories.deleteTree(incoming(dir));
    Directories.deleteTree(outgoing(dir));
  }

  /** The open database, held for one operation: release it when done. */
  private Store acquire() {
    while (true) {
      Store s = store;
      if (s == null) {
        awaitStore();
        continue;
      }
      s.users.increment();
      if (!s.retired) {
        return s;
      }
      s.users.decrement();
      Thread.onSpinWait();
    }
  }

  private void awaitStore() {
    synchronized (swapping) {
      while (store == null) {
        if (closing) {
          throw new IllegalStateException("backend at " + dir + " is closed");
        }
        try {
          swapping.wait(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted waiting for the backend at " + dir, e);
        }
      }
    }
  }

  private static void release(Store s) {
    s.users.decrement();
  }

  /** Takes the open database out of use and waits until no operation runs on it any more. */
  private Store retire() {
    Store s;
    synchronized (swapping) {
      s = store;
      if (s == null) {
        throw new IllegalStateException("backend at " + dir + " is closed or being replaced");
      }
      store = null;
    }
    s.retired = true;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
    while (s.users.sum() > 0) {
      if (System.nanoTime() > deadline) {
        synchronized (swapping) {
          s.retired = false;
          store = s;
        }
        throw new IllegalStateException("operations on the backend at " + dir + " did not finish in "
            + DRAIN_MILLIS + " ms");
      }
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return s;
  }

  private void install(Store s) {
    synchronized (swapping) {
      if (closing) { // closed while the replacement ran: nobody will use the new database
        s.close();
        swapping.notifyAll();
        return;
      }
      store = s;
      swapping.notifyAll();
    }
  }

  @Override
  public byte[] get(String bucket, byte[] key) {
    Store s = acquire();
    try {
      return s.db.get(s.handle(bucket), key);
    } catch (RocksDBException e) {
      throw new IllegalStateException("backend read failed: " + e.getMessage(), e);
    } finally {
      release(s);
    }
  }

  private volatile java.util.function.LongConsumer commitObserver = nanos -> { };

  @Override
  public Batch newBatch() {
    return new RocksBatch();
  }

  @Override
  public void onCommit(java.util.function.LongConsumer nanos) {
    this.commitObserver = nanos;
  }

  @Override
  public void commit(Batch batch) {
    RocksBatch b = (RocksBatch) batch;
    Store s = acquire();
    try {
      if (b.store != null && b.store != s) {
        throw new IllegalStateException("a batch written for the database the backend replaced");
      }
      long t0 = System.nanoTime();
      s.db.write(writeOptions, b.batch);
      commitObserver.accept(System.nanoTime() - t0);
    } catch (RocksDBException e) {
      throw new IllegalStateException("backend write failed: " + e.getMessage(), e);
    } finally {
      release(s);
    }
  }

  @Override
  public void scan(String bucket, byte[] from, byte[] to, EntryVisitor visitor) {
    Store s = acquire();
    try {
      scanAt(s, null, bucket, from, to, visitor);
    } finally {
      release(s);
    }
  }

  @Override
  public Snapshot snapshot() {
    Store s = acquire();
    try {
      return new RocksSnapshot(s, s.db.getSnapshot());
    } catch (RuntimeException e) {
      release(s);
      throw e;
    }
  }

  private static void scanAt(Store s, org.rocksdb.Snapshot at, String bucket, byte[] from, byte[] to,
      EntryVisitor visitor) {
    try (ReadOptions ro = new ReadOptions();
        Slice upper = to == null ? null : new Slice(to)) {
      if (at != null) {
        ro.setSnapshot(at);
      }
      if (upper != null) {
        ro.setIterateUpperBound(upper);
      }
      try (RocksIterator it = s.db.newIterator(s.handle(bucket), ro)) {
        if (from == null) {
          it.seekToFirst();
        } else {
          it.seek(from);
        }
        for (; it.isValid(); it.next()) {
          if (!visitor.visit(it.key(), it.value())) {
            return;
          }
        }
      }
    }
  }

  /**
   * The database's files: tables, write-ahead logs and manifest, not RocksDB's own info logs ({@code
   * LOG*}), which say nothing about the data. Read at most every {@value #SIZE_REFRESH_MILLIS} ms:
   * the quota checks it on every write.
   */
  @Override
  public long sizeOnDisk() {
    long now = System.nanoTime();
    if (now - sizeMeasuredAt < SIZE_REFRESH_MILLIS * 1_000_000L && sizeMeasuredAt != 0) {
      return size;
    }
    long measured;
    try (var files = Files.walk(dir)) {
      measured = files.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().startsWith("LOG"))
          .mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException | UncheckedIOException e) {
      measured = size; // a file vanished mid-walk (RocksDB deletes obsolete ones): keep the last figure
    }
    size = measured;
    sizeMeasuredAt = now;
    return measured;
  }

  @Override
  public long sizeInUse() {
    long total = 0;
    Store s = acquire();
    try {
      for (ColumnFamilyHandle h : s.buckets.values()) {
        try {
          total += s.db.getLongProperty(h, "rocksdb.estimate-live-data-size");
          total += s.db.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
        } catch (RocksDBException e) {
          // a missing estimate leaves the figure lower, never wrong in kind
        }
      }
    } finally {
      release(s);
    }
    // memtables count at their arena size, which can exceed the write-ahead log holding the same
    // data on disk: in use is never more than the files (etcd's dbSizeInUse <= dbSize)
    return Math.min(total, sizeOnDisk());
  }

  /**
   * A manual compaction of every bucket down to the last level, which drops deleted and overwritten
   * entries and their tombstones. Not exclusive (RocksDB's automatic compactions go on, so writes
   * never stall behind it) and it waits rather than push the database into a write stall.
   */
  @Override
  public void defragment() {
    synchronized (defragmenting) {
      if (closing) {
        throw new IllegalStateException("backend at " + dir + " is closing");
      }
      Store s = acquire();
      try {
        for (ColumnFamilyHandle h : s.buckets.values()) {
          s.db.compactRange(h, null, null, defragOptions);
        }
        sizeMeasuredAt = 0; // the files changed: measure afresh
      } catch (RocksDBException e) {
        throw new IllegalStateException("defragmentation of " + dir + " failed: " + e.getMessage(), e);
      } finally {
        release(s);
      }
    }
  }

  @Override
  public void checkpoint(Path target) {
    Store s = acquire();
    try (Checkpoint cp = Checkpoint.create(s.db)) {
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new IllegalStateException("checkpoint to " + target + " failed: " + e.getMessage(), e);
    } finally {
      release(s);
    }
  }

  /**
   * Replaces the whole database with the one in {@code checkpoint} (a RocksDB checkpoint, left
   * untouched): waits for the operations running on the old database, which then see nothing new;
   * operations arriving meanwhile wait and then run on the new one. The caller must have stopped
   * writing (a batch built for the old database is refused). Crash-safe: the new database is built
   * beside the old one and moved in by renames, which {@link #open} completes if a crash interrupts
   * them.
   */
  @Override
  public void replaceWith(Path checkpoint) throws IOException {
    Path in = incoming(dir);
    Path out = outgoing(dir);
    Directories.deleteTree(in);
    Directories.deleteTree(out);
    Directories.linkDatabase(checkpoint, in);
    Store old = retire();
    old.close();
    try {
      Files.move(dir, out, StandardCopyOption.ATOMIC_MOVE);
      Files.move(in, dir, StandardCopyOption.ATOMIC_MOVE);
      Directories.fsync(dir.getParent());
      Directories.deleteTree(out);
    } finally {
      try {
        install(openStore());
      } catch (RocksDBException e) {
        throw new IOException("cannot open the backend at " + dir + " after replacing it: " + e.getMessage(), e);
      }
    }
    sizeMeasuredAt = 0;
  }

  @Override
  public void close() {
    closing = true;
    defragOptions.setCanceled(true); // a running defragmentation stops at its next check
    synchronized (defragmenting) {
      defragOptions.close();
    }
    Store s;
    try {
      s = retire();
    } catch (IllegalStateException e) {
      return; // already closed, or being replaced (the replacement then closes the new database)
    }
    try {
      s.db.flushWal(true);
    } catch (RocksDBException e) {
      // closing anyway; the Raft log still holds every applied entry
    }
    s.close();
    writeOptions.close();
    dbOptions.close();
    cfOptions.close();
    blockCache.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** A read view: holds its database until closed. */
  private static final class RocksSnapshot implements Snapshot {
    private final Store store;
    private final org.rocksdb.Snapshot snapshot;
    private final ReadOptions reads;
    private boolean closed;

    RocksSnapshot(Store store, org.rocksdb.Snapshot snapshot) {
      this.store = store;
      this.snapshot = snapshot;
      this.reads = new ReadOptions().setSnapshot(snapshot);
    }

    @Override
    public byte[] get(String bucket, byte[] key) {
      try {
        return store.db.get(store.handle(bucket), reads, key);
      } catch (RocksDBException e) {
        throw new IllegalStateException("backend read failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void scan(String bucket, byte[] from, byte[] to, EntryVisitor visitor) {
      scanAt(store, snapshot, bucket, from, to, visitor);
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      reads.close();
      store.db.releaseSnapshot(snapshot);
      release(store);
    }
  }

  /** Writes bound to the database that was open when the first of them was added. */
  private final class RocksBatch implements Batch {
    private final WriteBatch batch = new WriteBatch();
    private Store store;

    private ColumnFamilyHandle handle(String bucket) {
      if (store == null) {
        store = RocksBackend.this.store;
        if (store == null) {
          store = acquireAndRelease();
        }
      }
      return store.handle(bucket);
    }

    private Store acquireAndRelease() {
      Store s = acquire();
      release(s);
      return s;
    }

    @Override
    public void put(String bucket, byte[] key, byte[] value) {
      try {
        batch.put(handle(bucket), key, value);
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void delete(String bucket, byte[] key) {
      try {
        batch.delete(handle(bucket), key);
      } catch (RocksDBException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public int size() {
      return batch.count();
    }

    @Override
    public void close() {
      batch.close();
    }
  }
}
