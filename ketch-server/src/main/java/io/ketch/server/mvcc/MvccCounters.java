package io.ketch.server.mvcc;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the store has served since start, counted as etcd's mvcc metrics count it: every put and
 * every delete-range call, every range (in reads and in write transactions alike), and a txn for
 * every transaction of more than one of those.
 */
public final class MvccCounters {
  final LongAdder puts = new LongAdder();
  final LongAdder deletes = new LongAdder();
  final LongAdder ranges = new LongAdder();
  final LongAdder txns = new LongAdder();

  public long puts() {
    return puts.sum();
  }

  public long deletes() {
    return deletes.sum();
  }

  public long ranges() {
    return ranges.sum();
  }

  public long txns() {
    return txns.sum();
  }
}
