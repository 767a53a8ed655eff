package io.ketch.server.v2;

import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.mvccpb.KeyValue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes v2 nodes whose TTL ran out: on the leader, twice a second (etcd's leader syncs its v2
 * store's expired keys every 500 ms), each expired node is removed by one v2 write with an
 * {@code expire} event, so watchers see it and every member's tree agrees.
 */
final class V2Expirer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(V2Expirer.class);
  private static final long PERIOD_MILLIS = 500;
  /** Expired entries handled per sweep at most (the next sweep goes on). */
  private static final int BATCH = 256;

  private final V2Store store;
  private final V2Store.Kv kv;
  private final BooleanSupplier leader;
  private final LongSupplier clock;
  private final ScheduledExecutorService timer;
  private final java.util.concurrent.atomic.AtomicLong expired = new java.util.concurrent.atomic.AtomicLong();

  V2Expirer(V2Store store, V2Store.Kv kv, BooleanSupplier leader, LongSupplier nanoClock) {
    this.store = store;
    this.kv = kv;
    this.leader = leader;
    this.clock = nanoClock;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ketch-v2-expiry");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::sweep, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void sweep() {
    if (!leader.getAsBoolean()) {
      return;
    }
    try {
      long cutoff = clock.getAsLong();
      for (KeyValue e : kv.range(RangeRequest.newBuilder().setKey(V2Keyspace.ttlStart())
          .setRangeEnd(V2Keyspace.ttlEnd(cutoff)).setLimit(BATCH).setSerializable(true).build()).getKvsList()) {
        if (store.expire(V2Keyspace.pathOfTtl(e.getKey()), V2Keyspace.expiryOfTtl(e.getKey()), cutoff)) {
          expired.incrementAndGet();
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("v2 TTL sweep failed; trying again in {} ms: {}", PERIOD_MILLIS, e.toString());
    }
  }

  /** Nodes this member removed as expired (while leader). */
  long expired() {
    return expired.get();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
