package io.ketch.server.auth;

import io.ketch.api.authpb.Permission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The key ranges one user may read, or write: the union of its roles' permissions of that kind,
 * merged into disjoint sorted intervals (etcd's range permission cache). A request's range is
 * permitted when the union covers it whole, as etcd's interval tree {@code Contains}.
 *
 * <p>Intervals are {@code [begin, end)} over unsigned bytes; {@code end == null} is unbounded. A
 * permission with an empty range end is the single key ({@code [key, key+"\0")}); with range end
 * {@code "\0"} it is every key from {@code key} on. Immutable.
 */
final class KeyPermissions {
  static final KeyPermissions NONE = new KeyPermissions(List.of());

  private record Interval(byte[] begin, byte[] end) {}

  private final List<Interval> merged;

  private KeyPermissions(List<Interval> merged) {
    this.merged = merged;
  }

  /** The union of {@code perms}. */
  static KeyPermissions of(List<Permission> perms) {
    List<Interval> all = new ArrayList<>();
    for (Permission p : perms) {
      Interval i = interval(p.getKey().toByteArray(), p.getRangeEnd().toByteArray());
      if (i != null) {
        all.add(i);
      }
    }
    all.sort(Comparator.comparing(Interval::begin, Arrays::compareUnsigned));
    List<Interval> out = new ArrayList<>();
    for (Interval i : all) {
      Interval last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && (last.end() == null || Arrays.compareUnsigned(i.begin(), last.end()) <= 0)) {
        if (last.end() != null && (i.end() == null || Arrays.compareUnsigned(i.end(), last.end()) > 0)) {
          out.set(out.size() - 1, new Interval(last.begin(), i.end()));
        }
      } else {
        out.add(i);
      }
    }
    return new KeyPermissions(List.copyOf(out));
  }

  /**
   * Whether the request range {@code key}..{@code rangeEnd} (etcd's request convention: empty end is
   * the one key, {@code "\0"} every key from {@code key} on) lies within the union.
   */
  boolean covers(byte[] key, byte[] rangeEnd) {
    Interval want = interval(key, rangeEnd);
    if (want == null) {
      want = interval(key, new byte[0]); // an empty range: judged by its first key
    }
    for (Interval i : merged) {
      if (Arrays.compareUnsigned(i.begin(), want.begin()) > 0) {
        return false;
      }
      if (i.end() == null) {
        return true;
      }
      if (Arrays.compareUnsigned(want.begin(), i.end()) < 0) {
        return want.end() != null && Arrays.compareUnsigned(want.end(), i.end()) <= 0;
      }
    }
    return false;
  }

  /** The interval of a key and range end; null when it holds no key (end at or before begin). */
  private static Interval interval(byte[] key, byte[] rangeEnd) {
    if (rangeEnd.length == 0) {
      return new Interval(key, Arrays.copyOf(key, key.length + 1));
    }
    if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
      return new Interval(key, null);
    }
    return Arrays.compareUnsigned(rangeEnd, key) > 0 ? new Interval(key, rangeEnd) : null;
  }
}
