package io.ketch.server.mvcc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The in-memory index from key to {@link KeyIndex}, ordered by key (unsigned bytes), as etcd's
 * treeIndex. Rebuilt from the {@code key} bucket at start.
 *
 * <p>Ranges: {@code end == null} is the single key; an empty {@code end} is every key {@code >= key};
 * otherwise {@code [key, end)}.
 *
 * <p>Not thread-safe: guarded by the owning {@link KvStore}'s lock.
 */
final class TreeIndex {
  /** A key and its revision live at the asked revision. */
  record Entry(byte[] key, KeyIndex.Found found) {}

  private final TreeMap<byte[], KeyIndex> tree = new TreeMap<>(Arrays::compareUnsigned);

  void put(byte[] key, Revision rev) {
    tree.computeIfAbsent(key, KeyIndex::new).put(rev);
  }

  /** The key's index, created (without revisions) if the key was never seen: one lookup for a put. */
  KeyIndex getOrCreate(byte[] key) {
    return tree.computeIfAbsent(key, KeyIndex::new);
  }

  /** Records a deletion; returns false if the key was not live. */
  boolean tombstone(byte[] key, Revision rev) {
    KeyIndex ki = tree.get(key);
    return ki != null && ki.tombstone(rev);
  }

  /** Rebuild step: one revision read from the backend, in revision order. */
  void restore(byte[] key, Revision rev, boolean tombstone, long createRevision, long version, long lease) {
    KeyIndex ki = tree.get(key);
    if (ki == null) {
      if (tombstone) {
        return; // its creation was compacted away together with everything the tombstone ends
      }
      ki = new KeyIndex(key);
      ki.restore(new Revision(createRevision, 0), rev, version, lease);
      tree.put(key, ki);
    } else if (tombstone) {
      ki.tombstone(rev);
    } else {
      ki.put(rev, lease);
    }
  }

  KeyIndex.Found get(byte[] key, long atRev) {
    KeyIndex ki = tree.get(key);
    return ki == null ? null : ki.get(atRev);
  }

  /** Every key in the range live at {@code atRev}, in key order. */
  List<Entry> range(byte[] key, byte[] end, long atRev) {
    List<Entry> out = new ArrayList<>();
    if (end == null) {
      KeyIndex.Found f = get(key, atRev);
      if (f != null) {
        out.add(new Entry(key, f));
      }
      return out;
    }
    if (end.length > 0 && Arrays.compareUnsigned(key, end) >= 0) {
      return out;
    }
    Map<byte[], KeyIndex> view = end.length == 0 ? tree.tailMap(key, true) : tree.subMap(key, true, end, false);
    for (KeyIndex ki : view.values()) {
      KeyIndex.Found f = ki.get(atRev);
      if (f != null) {
        out.add(new Entry(ki.key(), f));
      }
    }
    return out;
  }

  /** Compacts every key at {@code atRev}; returns the revisions the backend must keep. */
  Set<Revision> compact(long atRev) {
    Set<Revision> keep = new HashSet<>();
    for (Iterator<KeyIndex> it = tree.values().iterator(); it.hasNext(); ) {
      KeyIndex ki = it.next();
      ki.compact(atRev, keep);
      if (ki.isEmpty()) {
        it.remove();
      }
    }
    return keep;
  }

  /**
   * The revisions a compaction at {@code atRev} would keep, every key's latest at or below it unless
   * deleted by then; nothing changes (etcd's treeIndex.Keep).
   */
  Set<Revision> keep(long atRev) {
    Set<Revision> keep = new HashSet<>();
    for (KeyIndex ki : tree.values()) {
      ki.keep(atRev, keep);
    }
    return keep;
  }

  int size() {
    return tree.size();
  }
}
