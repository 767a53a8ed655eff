package io.ketch.server.watch;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A set of watchers indexed for matching events: single-key watchers by key, range watchers by their
 * range, so many watchers on one prefix cost one range comparison per event. Hub thread only.
 */
final class WatcherGroup {
  private final Map<ByteString, Set<Watcher>> byKey = new HashMap<>();
  private final Map<Range, Set<Watcher>> byRange = new HashMap<>();
  private final List<Range> ranges = new ArrayList<>();
  private int size;

  /** A watched range and the watchers on it. */
  private record Range(ByteString key, ByteString end) {}

  void add(Watcher w) {
    if (w.isRange()) {
      Range r = new Range(UnsafeByteOperations.unsafeWrap(w.key), UnsafeByteOperations.unsafeWrap(w.end));
      Set<Watcher> set = byRange.get(r);
      if (set == null) {
        set = new LinkedHashSet<>();
        byRange.put(r, set);
        ranges.add(r);
      }
      set.add(w);
    } else {
      byKey.computeIfAbsent(UnsafeByteOperations.unsafeWrap(w.key), k -> new LinkedHashSet<>()).add(w);
    }
    size++;
  }

  void remove(Watcher w) {
    boolean removed;
    if (w.isRange()) {
      Range r = new Range(UnsafeByteOperations.unsafeWrap(w.key), UnsafeByteOperations.unsafeWrap(w.end));
      Set<Watcher> set = byRange.get(r);
      removed = set != null && set.remove(w);
      if (set != null && set.isEmpty()) {
        byRange.remove(r);
        ranges.remove(r);
      }
    } else {
      ByteString k = UnsafeByteOperations.unsafeWrap(w.key);
      Set<Watcher> set = byKey.get(k);
      removed = set != null && set.remove(w);
      if (set != null && set.isEmpty()) {
        byKey.remove(k);
      }
    }
    if (removed) {
      size--;
    }
  }

  int size() {
    return size;
  }

  /** Calls {@code action} with each set of watchers (one key, or one range) that holds {@code key}. */
  void forEachMatchingSet(ByteString key, Consumer<Set<Watcher>> action) {
    Set<Watcher> single = byKey.get(key);
    if (single != null) {
      action.accept(single);
    }
    if (ranges.isEmpty()) {
      return;
    }
    byte[] k = key.toByteArray();
    for (Range r : ranges) {
      Set<Watcher> set = byRange.get(r);
      if (set.iterator().next().covers(k)) {
        action.accept(set);
      }
    }
  }

  /** Every watcher in the group. */
  List<Watcher> all() {
    List<Watcher> out = new ArrayList<>(size);
    byKey.values().forEach(out::addAll);
    byRange.values().forEach(out::addAll);
    return out;
  }
}
