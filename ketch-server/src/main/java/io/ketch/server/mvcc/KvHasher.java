package io.ketch.server.mvcc;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * etcd's HashKV hash of the {@code key} bucket, fed its entries in key order: CRC-32C over the
 * bucket name, then the backend key and value of every revision up to the hashed revision, except
 * those a compaction is (or was) to delete.
 *
 * <p>An entry at or below the compaction revision counts only if it is in {@code keep}: what a
 * compaction at the hashed revision would keep, every key's latest revision at or below it unless
 * the key was deleted by then. So the hash does not depend on how far the physical deletion of a
 * compaction got, nor on when the history was compacted:
 *
 * <pre>
 * put a@2, put a@3, put b@4, delete b@5 (tombstone), put c@6; compacted at 5; hash at 6:
 *   keep(6) = {3 (a), 6 (c)}; b was deleted at 5, so it has none
 *   2 (a, superseded by 3)   skipped
 *   3 (a)                    hashed: kept, a's latest at or below 6
 *   4, 5t (b)                skipped
 *   6 (c)                    hashed: above the compaction revision
 * hash at 7 after put a@7: keep(7) = {7, 6}, so 3 is skipped too (superseded, though still stored).
 * </pre>
 *
 * <p>Two more of etcd's rules: when nothing is live at the hashed revision ({@code keep} empty)
 * nothing below the compaction is skipped, so the hash then depends on the physical deletion having
 * finished (etcd's does too); and a tombstone at exactly the compaction revision never counts, which
 * etcd 3.5.16+ and 3.4.34+ added because their compactions keep that tombstone where older ones
 * deleted it (as Ketch's do), so all of them hash alike.
 */
final class KvHasher {
  private static final byte[] BUCKET = "key".getBytes(StandardCharsets.UTF_8);

  private final CRC32C crc = new CRC32C();
  private final Revision lower;
  private final Revision upper;
  private final long compactRev;
  private final Set<Revision> keep;

  /**
   * @param compactRev the store's compaction revision (-1 if never compacted)
   * @param atRev the revision to hash up to
   * @param keep what a compaction at {@code atRev} would keep
   */
  KvHasher(long compactRev, long atRev, Set<Revision> keep) {
    this.lower = new Revision(compactRev + 1, 0);
    this.upper = new Revision(atRev + 1, 0);
    this.compactRev = compactRev;
    this.keep = keep;
    crc.update(BUCKET);
  }

  /** Adds one entry of the key bucket; entries come in key order. */
  void add(byte[] key, byte[] value) {
    Revision rev = Revision.fromBytes(key);
    if (!upper.greaterThan(rev)) {
      return;
    }
    if (lower.greaterThan(rev) && !keep.isEmpty() && !keep.contains(rev)) {
      return;
    }
    if (rev.main() == compactRev && Revision.isTombstone(key)) {
      return;
    }
    crc.update(key);
    crc.update(value);
  }

  /** The hash of the entries added so far. */
  int value() {
    return (int) crc.getValue();
  }
}
