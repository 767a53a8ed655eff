package io.ketch.server.mvcc;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The revisions of one key, grouped in generations. A generation runs from a creation to a deletion
 * (its last revision is then the tombstone); the last generation is the live one, empty when the key
 * is currently deleted.
 *
 * <pre>
 * put(1.0) put(2.0) tombstone(3.0) put(4.0) tombstone(5.0) on key "foo":
 *   generations: {1.0, 2.0, 3.0(t)}  {4.0, 5.0(t)}  {}
 * compact(2): keeps 2.0, the latest revision at or below 2:
 *   generations: {2.0, 3.0(t)}  {4.0, 5.0(t)}  {}
 * compact(4): the first generation ended before 4 and goes; 4.0 is kept:
 *   generations: {4.0, 5.0(t)}  {}
 * compact(5): only a tombstone would remain, so it goes too:
 *   generations: {}  and the key leaves the index.
 * </pre>
 *
 * <p>Not thread-safe: guarded by the owning {@link KvStore}'s lock.
 */
final class KeyIndex {
  /** One life of the key, from creation to deletion. */
  static final class Generation {
    long version;
    Revision created;
    final List<Revision> revs = new ArrayList<>(2);
    /** The lease each revision was written with, by position in {@code revs} (keys-only reads need no value). */
    private long[] leases = new long[2];

    void add(Revision rev, long lease) {
      if (revs.size() == leases.length) {
        leases = java.util.Arrays.copyOf(leases, leases.length * 2);
      }
      leases[revs.size()] = lease;
      revs.add(rev);
    }

    long lease(int n) {
      return leases[n];
    }

    /** Drops the first {@code n} revisions. */
    void dropFirst(int n) {
      System.arraycopy(leases, n, leases, 0, revs.size() - n);
      revs.subList(0, n).clear();
    }

    boolean isEmpty() {
      return revs.isEmpty();
    }

    Revision last() {
      return revs.get(revs.size() - 1);
    }
  }

  /**
   * What {@link #get} finds: the revision live at the asked revision, its creation, version and the
   * lease it was written with.
   */
  record Found(Revision modified, Revision created, long version, long lease) {
    Found(Revision modified, Revision created, long version) {
      this(modified, created, version, 0);
    }
  }

  private final byte[] key;
  private Revision modified = new Revision(0, 0);
  private final List<Generation> generations = new ArrayList<>(1);

  KeyIndex(byte[] key) {
    this.key = key;
  }

  byte[] key() {
    return key;
  }

  /** Records a write of the key at {@code rev} without a lease (tests). */
  void put(Revision rev) {
    put(rev, 0);
  }

  /** Records a write of the key at {@code rev} with {@code lease}; {@code rev} must be newer than every earlier one. */
  void put(Revision rev, long lease) {
    if (!rev.greaterThan(modified)) {
      throw new IllegalStateException("put of " + rev + " not after " + modified + " on key");
    }
    if (generations.isEmpty()) {
      generations.add(new Generation());
    }
    Generation g = generations.get(generations.size() - 1);
    if (g.isEmpty()) {
      g.created = rev;
    }
    g.add(rev, lease);
    g.version++;
    modified = rev;
  }

  /** Rebuilds a key whose first surviving revision is {@code modified} (history before it compacted). */
  void restore(Revision created, Revision modified, long version, long lease) {
    if (!generations.isEmpty()) {
      throw new IllegalStateException("restore of a key index that has generations");
    }
    Generation g = new Generation();
    g.created = created;
    g.version = version;
    g.add(modified, lease);
    generations.add(g);
    this.modified = modified;
  }

  /**
   * Records the deletion of the key at {@code rev} and opens a new, empty generation.
   *
   * @return false if the key is not live (nothing to delete)
   */
  boolean tombstone(Revision rev) {
    if (generations.isEmpty() || generations.get(generations.size() - 1).isEmpty()) {
      return false;
    }
    put(rev, 0);
    generations.add(new Generation());
    return true;
  }

  /** The revision of the key live at {@code atRev}, or null if the key did not exist then. */
  Found get(long atRev) {
    Generation g = findGeneration(atRev);
    if (g == null || g.isEmpty()) {
      return null;
    }
    for (int n = g.revs.size() - 1; n >= 0; n--) {
      Revision r = g.revs.get(n);
      if (r.main() <= atRev) {
        return new Found(r, g.created, g.version - (g.revs.size() - n - 1), g.lease(n));
      }
    }
    return null;
  }

  private Generation findGeneration(long rev) {
    int last = generations.size() - 1;
    for (int i = last; i >= 0; i--) {
      Generation g = generations.get(i);
      if (g.isEmpty()) {
        continue;
      }
      if (i != last && g.last().main() <= rev) {
        // the generation ended (was deleted) at or before rev: the key did not exist at rev
        return null;
      }
      if (g.revs.get(0).main() <= rev) {
        return g;
      }
    }
    return null;
  }

  /**
   * Drops every revision not needed to read at {@code atRev} or later, adding the revisions that
   * must stay in the backend to {@code keep}.
   */
  void compact(long atRev, Set<Revision> keep) {
    int genIdx = compactionStart(atRev);
    Generation g = generations.get(genIdx);
    int revIndex = latestAtOrBelow(g, atRev);
    if (revIndex >= 0) {
      keep.add(g.revs.get(revIndex));
    }
    if (!g.isEmpty()) {
      if (revIndex > 0) {
        g.dropFirst(revIndex);
      }
      // a generation left holding only its tombstone is gone
      if (g.revs.size() == 1 && genIdx != generations.size() - 1) {
        keep.remove(g.revs.get(0));
        genIdx++;
      }
    }
    generations.subList(0, genIdx).clear();
  }

  /**
   * Adds to {@code keep} the revision {@link #compact} at {@code atRev} would keep, changing nothing
   * (etcd's keyIndex.keep, which HashKV uses): the latest revision at or below {@code atRev}, unless
   * the key was deleted by then.
   */
  void keep(long atRev, Set<Revision> keep) {
    if (generations.isEmpty() || isEmpty()) {
      return; // never written, or just created by a put still on its way
    }
    int genIdx = compactionStart(atRev);
    Generation g = generations.get(genIdx);
    int revIndex = latestAtOrBelow(g, atRev);
    boolean tombstone = revIndex == g.revs.size() - 1 && genIdx != generations.size() - 1;
    if (revIndex >= 0 && !tombstone) {
      keep.add(g.revs.get(revIndex));
    }
  }

  /** The first generation that ends after {@code atRev}, or the last one. */
  private int compactionStart(long atRev) {
    int genIdx = 0;
    while (genIdx < generations.size() - 1 && generations.get(genIdx).last().main() <= atRev) {
      genIdx++;
    }
    return genIdx;
  }

  /** The index in {@code g} of its latest revision at or below {@code atRev}, or -1. */
  private static int latestAtOrBelow(Generation g, long atRev) {
    for (int n = g.revs.size() - 1; n >= 0; n--) {
      if (g.revs.get(n).main() <= atRev) {
        return n;
      }
    }
    return -1;
  }

  /** Whether nothing remains of the key: it may leave the index. */
  boolean isEmpty() {
    return generations.size() == 1 && generations.get(0).isEmpty();
  }

  /** The generations, oldest first (for tests). */
  List<Generation> generations() {
    return generations;
  }
}
