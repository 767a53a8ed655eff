package io.ketch.server.storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Raft log's bookkeeping kept in the backend's {@code meta} bucket: the consistent index and
 * term of the last applied entry, and the proposer windows. A backend that starts a new Raft log (a
 * restored backup, a forced new cluster) must not inherit them: the new log counts from the start.
 */
public final class RaftMeta {
  private RaftMeta() {}

  /** Adds to {@code writes} the deletion of every Raft-log record in {@code backend}. */
  public static void forget(Backend backend, Backend.Batch writes) {
    writes.delete(Schema.META, Schema.CONSISTENT_INDEX);
    writes.delete(Schema.META, Schema.TERM);
    byte[] end = Arrays.copyOf(Schema.PROPOSER_PREFIX, Schema.PROPOSER_PREFIX.length);
    end[end.length - 1]++;
    List<byte[]> windows = new ArrayList<>();
    backend.scan(Schema.META, Schema.PROPOSER_PREFIX, end, (k, v) -> windows.add(k));
    for (byte[] k : windows) {
      writes.delete(Schema.META, k);
    }
  }
}
