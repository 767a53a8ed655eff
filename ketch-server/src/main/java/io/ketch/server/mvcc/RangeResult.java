package io.ketch.server.mvcc;

import io.ketch.api.mvccpb.KeyValue;
import java.util.List;

/**
 * The key-values a range found (in key order, at most the asked limit), how many keys the range holds
 * in all, and the store's current revision (not the revision read at), as etcd reports it.
 */
public record RangeResult(List<KeyValue> kvs, long count, long rev) {}
