package io.ketch.server.apply;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.mvccpb.KeyValue;
import java.util.Comparator;
import java.util.List;

/**
 * Sorting of range results. The sort is stable, so key-values that tie on the target keep the
 * store's key order, ascending or descending; etcd (Go's sort.Sort, insertion sort up to 12
 * elements) agrees for up to 12 results and leaves ties unspecified beyond.
 */
final class KvSort {
  private static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();

  private KvSort() {}

  static void sort(List<KeyValue> kvs, RangeRequest.SortTarget target, RangeRequest.SortOrder order) {
    Comparator<KeyValue> c = switch (target) {
      case KEY -> Comparator.comparing(KeyValue::getKey, BYTES);
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE -> Comparator.comparing(KeyValue::getValue, BYTES);
      default -> null;
    };
    if (c == null) {
      return;
    }
    switch (order) {
      case ASCEND -> kvs.sort(c);
      case DESCEND -> kvs.sort(c.reversed());
      default -> { }
    }
  }
}
