package io.ketch.server.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 */
public final class RocksBackend implements Backend {
  static {
    RocksDB.loadLibrary();
  }

  private static final long SIZE_REFRESH_MILLIS = 100;

  private final Path dir;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache blockCache;
  private final WriteOptions writeOptions;
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final Map<String, ColumnFamilyHandle> buckets = new HashMap<>();
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
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    for (String bucket : Schema.BUCKETS) {
      descriptors.add(new ColumnFamilyDescriptor(bytes(bucket), cfOptions));
    }
    this.db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    for (int i = 0; i < Schema.BUCKETS.size(); i++) {
      buckets.put(Schema.BUCKETS.get(i), handles.get(i + 1));
    }
    this.writeOptions = new WriteOptions().setSync(false);
  }

  /** Opens (creating if needed) the database in {@code dir}. */
  public static RocksBackend open(Path dir) {
    try {
      Files.createDirectories(dir);
      return new RocksBackend(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RocksDBException e) {
      throw new IllegalStateException("cannot open backend at " + dir + ": " + e.getMessage(), e);
    }
  }

  private ColumnFamilyHandle handle(String bucket) {
    ColumnFamilyHandle h = buckets.get(bucket);
    if (h == null) {
      throw new IllegalArgumentException("unknown bucket: " + bucket);
    }
    return h;
  }

  @Override
  public byte[] get(String bucket, byte[] key) {
    try {
      return db.get(handle(bucket), key);
    } catch (RocksDBException e) {
      throw new IllegalStateException("backend read failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Batch newBatch() {
    return new RocksBatch();
  }

  @Override
  public void commit(Batch batch) {
    try {
      db.write(writeOptions, ((RocksBatch) batch).batch);
    } catch (RocksDBException e) {
      throw new IllegalStateException("backend write failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void scan(String bucket, byte[] from, byte[] to, EntryVisitor visitor) {
    scanAt(null, bucket, from, to, visitor);
  }

  @Override
  public Snapshot snapshot() {
    return new RocksSnapshot(db.getSnapshot());
  }

  private void scanAt(org.rocksdb.Snapshot at, String bucket, byte[] from, byte[] to, EntryVisitor visitor) {
    try (ReadOptions ro = new ReadOptions();
        Slice upper = to == null ? null : new Slice(to)) {
      if (at != null) {
        ro.setSnapshot(at);
      }
      if (upper != null) {
        ro.setIterateUpperBound(upper);
      }
      try (RocksIterator it = db.newIterator(handle(bucket), ro)) {
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
    for (ColumnFamilyHandle h : buckets.values()) {
      try {
        total += db.getLongProperty(h, "rocksdb.estimate-live-data-size");
        total += db.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
      } catch (RocksDBException e) {
        // a missing estimate leaves the figure lower, never wrong in kind
      }
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
      try {
        for (ColumnFamilyHandle h : buckets.values()) {
          db.compactRange(h, null, null, defragOptions);
        }
        sizeMeasuredAt = 0; // the files changed: measure afresh
      } catch (RocksDBException e) {
        throw new IllegalStateException("defragmentation of " + dir + " failed: " + e.getMessage(), e);
      }
    }
  }

  @Override
  public void checkpoint(Path target) {
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new IllegalStateException("checkpoint to " + target + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    closing = true;
    defragOptions.setCanceled(true); // a running defragmentation stops at its next check
    synchronized (defragmenting) {
      defragOptions.close();
    }
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      // closing anyway; the Raft log still holds every applied entry
    }
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    writeOptions.close();
    dbOptions.close();
    cfOptions.close();
    blockCache.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private final class RocksSnapshot implements Snapshot {
    private final org.rocksdb.Snapshot snapshot;
    private final ReadOptions reads;

    RocksSnapshot(org.rocksdb.Snapshot snapshot) {
      this.snapshot = snapshot;
      this.reads = new ReadOptions().setSnapshot(snapshot);
    }

    @Override
    public byte[] get(String bucket, byte[] key) {
      try {
        return db.get(handle(bucket), reads, key);
      } catch (RocksDBException e) {
        throw new IllegalStateException("backend read failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void scan(String bucket, byte[] from, byte[] to, EntryVisitor visitor) {
      scanAt(snapshot, bucket, from, to, visitor);
    }

    @Override
    public void close() {
      reads.close();
      db.releaseSnapshot(snapshot);
    }
  }

  private final class RocksBatch implements Batch {
    private final WriteBatch batch = new WriteBatch();

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
