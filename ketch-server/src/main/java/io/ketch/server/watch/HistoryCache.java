package io.ketch.server.watch;

import io.ketch.server.mvcc.HistoryChunk;
import io.ketch.server.mvcc.KvStore;

/**
 * Reads history for catching-up watchers, keeping the last chunk read: many watchers catching up
 * from one revision take several rounds, and each round asks for the same chunk. Hub thread only.
 */
final class HistoryCache {
  private final KvStore kv;
  private final int maxRevisions;
  private HistoryChunk last;
  private long lastFrom;
  private long lastTo;
  private long lastCompactRev;

  HistoryCache(KvStore kv, int maxRevisions) {
    this.kv = kv;
    this.maxRevisions = maxRevisions;
  }

  /**
   * Up to {@code maxRevisions} revisions of history from {@code from} to {@code to} (published);
   * null if a compaction past {@code compactRev} overtook the read (events may be missing).
   */
  HistoryChunk read(long from, long to, long compactRev) {
    if (last != null && lastFrom == from && lastTo == to && lastCompactRev == compactRev) {
      return last;
    }
    HistoryChunk chunk = kv.history(from, to, maxRevisions);
    if (kv.compactRevision() != compactRev) {
      last = null;
      return null;
    }
    last = chunk;
    lastFrom = from;
    lastTo = to;
    lastCompactRev = compactRev;
    return chunk;
  }
}
