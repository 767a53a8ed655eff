package io.ketch.server.storage;

import java.nio.file.Path;

/**
 * Durable ordered storage, organised in the buckets of {@link Schema}. Writes go through a
 * {@link Batch} and become visible atomically at {@link #commit(Batch)}.
 */
public interface Backend extends AutoCloseable {

  /** The value stored under {@code key} in {@code bucket}, or {@code null}. */
  byte[] get(String bucket, byte[] key);

  /** A new, empty write batch. */
  Batch newBatch();

  /** Applies every write of {@code batch} atomically. */
  void commit(Batch batch);

  /** Hears how long each commit took, in nanoseconds (etcd_disk_backend_commit_duration_seconds). */
  default void onCommit(java.util.function.LongConsumer nanos) {}

  /**
   * Visits the entries of {@code bucket} with {@code from <= key < to} in key order ({@code to == null}:
   * to the end) until {@code visitor} returns false.
   */
  void scan(String bucket, byte[] from, byte[] to, EntryVisitor visitor);

  /**
   * A read-only view of every bucket as committed now: commits and deletions after the call are
   * invisible to it. The caller closes it, promptly (the database keeps what it sees alive).
   */
  Snapshot snapshot();

  /** Bytes the database files take on disk. */
  long sizeOnDisk();

  /** Estimated bytes of live data (what a defragmentation would leave). */
  long sizeInUse();

  /**
   * Rewrites the database files so that space freed by deletions (compaction of old revisions) is
   * returned to the file system: etcd's defragmentation. Reads and writes go on meanwhile. One
   * defragmentation at a time; a second caller waits for the first. Fails if the backend closes
   * meanwhile.
   */
  void defragment();

  /** Writes a consistent copy of the database to {@code dir} (which must not exist). */
  void checkpoint(Path dir);

  /**
   * Replaces the whole content with that of the checkpoint in {@code dir} (written by {@link
   * #checkpoint}, here or on another member), which is left as it was. Reads running meanwhile finish
   * on the old content; later ones see the new. The caller has stopped writing.
   */
  void replaceWith(Path dir) throws java.io.IOException;

  @Override
  void close();

  /** Receives one entry of a scan; returns false to stop. */
  @FunctionalInterface
  interface EntryVisitor {
    boolean visit(byte[] key, byte[] value);
  }

  /** A frozen view of the backend, from {@link #snapshot()}. Thread-safe until closed. */
  interface Snapshot extends AutoCloseable {
    /** As {@link Backend#get}, at the snapshot. */
    byte[] get(String bucket, byte[] key);

    /** As {@link Backend#scan}, at the snapshot. */
    void scan(String bucket, byte[] from, byte[] to, EntryVisitor visitor);

    @Override
    void close();
  }

  /** A set of writes that commit together. Not thread-safe. */
  interface Batch extends AutoCloseable {
    void put(String bucket, byte[] key, byte[] value);

    void delete(String bucket, byte[] key);

    /** Number of writes in the batch. */
    int size();

    @Override
    void close();
  }
}
