package io.ketch.server.mvcc;

/** A consistent view of the store at one revision, for reads and for evaluating a transaction. */
public interface ReadView {
  /** The revision this view reads at. */
  long rev();

  /** The compaction revision when the view began (-1 if never compacted). */
  long firstRev();

  /**
   * Reads {@code [key, end)} ({@code end == null}: the key; empty: every key {@code >= key}).
   *
   * @throws MvccException for a compacted or future revision
   */
  RangeResult range(byte[] key, byte[] end, RangeOptions ro);
}
