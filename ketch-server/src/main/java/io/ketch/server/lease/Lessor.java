package io.ketch.server.lease;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.ketch.api.etcdserverpb.LeaseCheckpoint;
import io.ketch.server.lease.proto.Lease.Builder;
import io.ketch.server.mvcc.KeyLeases;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Schema;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's lessor: the leases (replicated state, persisted in the {@code lease} bucket) and the keys
 * attached to them, plus — on the primary only, the member that leads — when each lease expires.
 *
 * <p>Replicated changes ({@link #grant}, {@link #remove}, {@link #checkpoint}, and the key
 * attachments through {@link KeyLeases}) run on the apply thread, in log order, and decide nothing
 * by the clock. Expiry is the primary's business: it reads the injected clock, and the revokes it
 * decides on go through the log like any other write (see {@link LeaseKeeper}). A member that
 * becomes primary starts every lease's countdown afresh from its checkpointed remaining TTL, or
 * from its full TTL if it has none.
 *
 * <p>Thread-safe: every method holds this object's monitor, except the no-lease fast path of
 * {@link #put}, which only the apply thread takes and which only reads state the apply thread
 * alone writes.
 */
public final class Lessor implements KeyLeases {
  private static final Logger LOG = LoggerFactory.getLogger(Lessor.class);
  /** etcd's MaxLeaseTTL, in seconds. */
  public static final long MAX_TTL = 9_000_000_000L;
  /** An expired lease whose revoke has not been applied after this long is proposed again. */
  static final long REVOKE_RETRY_NANOS = Duration.ofSeconds(3).toNanos();
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final Backend backend;
  private final LongSupplier clock;
  /** The clock's reading at open: {@link #now()} counts from it, so it never goes negative. */
  private final long origin;
  private final long minTtl;
  private final long checkpointIntervalNanos;
  private final Map<Long, Lease> leases = new HashMap<>();
  /** Live key to the lease it is attached to; only keys with a lease are present. */
  private final Map<ByteString, Long> keyLease = new HashMap<>();
  private boolean primary;

  /** TTL a client sees: remaining seconds (primary's countdown) and the granted TTL; keys if asked. */
  public record TimeToLive(long id, long ttl, long grantedTtl, List<ByteString> keys) {}

  /** The answer to a keepalive: the TTL, and whether a stale checkpoint must now be cleared. */
  public record Renewal(long ttl, boolean clearCheckpoint) {}

  private Lessor(Backend backend, LongSupplier clock, long minTtl, Duration checkpointInterval) {
    this.backend = backend;
    this.clock = clock;
    this.origin = clock.getAsLong();
    this.minTtl = minTtl;
    this.checkpointIntervalNanos = checkpointInterval.toNanos();
  }

  /**
   * Opens the lessor on the leases stored in {@code backend}. It starts as a non-primary; attach the
   * keys by opening the MVCC store with it.
   *
   * @param clock monotonic nanoseconds (System::nanoTime, or a manual clock in tests)
   * @param minTtl the smallest TTL, in seconds, a grant gets (etcd derives it from the election timeout)
   * @param checkpointInterval how often the primary checkpoints the remaining TTL of long leases
   */
  public static Lessor open(Backend backend, LongSupplier clock, long minTtl, Duration checkpointInterval) {
    Lessor l = new Lessor(backend, clock, minTtl, checkpointInterval);
    l.reload();
    return l;
  }

  /**
   * Forgets every lease and reads them again from the backend (whose content a Raft snapshot
   * replaced); the MVCC store's reload then attaches the keys. A non-primary's business (the primary
   * never installs a snapshot).
   */
  public synchronized void reload() {
    leases.clear();
    keyLease.clear();
    backend.scan(Schema.LEASE, null, null, (k, v) -> {
      io.ketch.server.lease.proto.Lease p = parse(v);
      leases.put(p.getID(), new Lease(p.getID(), p.getTTL(), p.getRemainingTTL()));
      return true;
    });
    LOG.info("event=leases-restored count={}", leases.size());
  }

  /** etcd's minimum lease TTL for an election timeout: 3/2 of it, rounded up to whole seconds. */
  public static long minTtlSeconds(Duration electionTimeout) {
    long millis = electionTimeout.toMillis() * 3 / 2;
    return Math.max(1, (millis + 999) / 1000);
  }

  // ---- replicated state: apply thread ----

  public synchronized boolean exists(long id) {
    return leases.containsKey(id);
  }

  /**
   * Grants lease {@code id} (which must not exist) with {@code ttl} seconds, raised to the minimum;
   * returns the TTL granted.
   */
  public synchronized long grant(Backend.Batch batch, long id, long ttl) {
    if (leases.containsKey(id)) {
      throw new IllegalStateException("lease " + id + " already exists");
    }
    Lease l = new Lease(id, Math.max(ttl, minTtl), 0);
    leases.put(id, l);
    persist(batch, l);
    if (primary) {
      startCountdown(l, now());
    }
    return l.ttl;
  }

  /** The keys attached to lease {@code id} in key order, or null when there is no such lease. */
  public synchronized List<ByteString> keysOf(long id) {
    Lease l = leases.get(id);
    if (l == null) {
      return null;
    }
    List<ByteString> keys = new ArrayList<>(l.keys);
    keys.sort(ByteString.unsignedLexicographicalComparator());
    return keys;
  }

  /** Forgets lease {@code id} (its keys must already be deleted). */
  public synchronized void remove(Backend.Batch batch, long id) {
    Lease l = leases.remove(id);
    if (l == null) {
      return;
    }
    for (ByteString k : l.keys) {
      keyLease.remove(k);
    }
    batch.delete(Schema.LEASE, idBytes(id));
  }

  /** Records a checkpointed remaining TTL (0 clears it); unknown leases are ignored, as etcd does. */
  public synchronized void checkpoint(Backend.Batch batch, long id, long remainingTtl) {
    Lease l = leases.get(id);
    if (l == null) {
      return;
    }
    l.remainingTtl = Math.max(0, remainingTtl);
    persist(batch, l);
  }

  @Override
  public void put(byte[] key, long lease) {
    if (lease == 0 && keyLease.isEmpty()) {
      return; // nothing can be attached: the common case costs no lock
    }
    synchronized (this) {
      ByteString k = UnsafeByteOperations.unsafeWrap(key);
      Long old = lease == 0 ? keyLease.remove(k) : keyLease.put(k, lease);
      if (old != null && old != lease) {
        Lease was = leases.get(old);
        if (was != null) {
          was.keys.remove(k);
        }
      }
      if (lease != 0) {
        Lease l = leases.get(lease);
        if (l != null) {
          l.keys.add(k);
        } else {
          keyLease.remove(k); // a restored key whose lease is gone: attached to nothing
        }
      }
    }
  }

  @Override
  public void deleted(byte[] key) {
    put(key, 0);
  }

  // ---- the primary's countdowns ----

  /** Whether this member runs the countdowns (it leads). */
  public synchronized boolean isPrimary() {
    return primary;
  }

  /**
   * Starts every lease's countdown from its checkpointed remaining TTL or its full TTL, plus
   * {@code extend}: as etcd's lessor.Promote, a new leader gives every lease the time an election
   * takes, so clients whose keepalives went to the old leader have time to find the new one.
   */
  public synchronized void promote(Duration extend) {
    if (primary) {
      return;
    }
    primary = true;
    long now = now();
    for (Lease l : leases.values()) {
      l.revokeProposedAt = -1;
      startCountdown(l, now + extend.toNanos(), l.startingTtl());
    }
    LOG.info("event=lessor-promoted leases={}", leases.size());
  }

  /** Stops every countdown: another member leads. */
  public synchronized void demote() {
    if (!primary) {
      return;
    }
    primary = false;
    for (Lease l : leases.values()) {
      l.deadline = Lease.NEVER;
      l.nextCheckpoint = Lease.NEVER;
    }
    LOG.info("event=lessor-demoted leases={}", leases.size());
  }

  /**
   * Renews lease {@code id} to its full TTL. Returns null for a lease that does not exist or has
   * expired (its revoke is on its way: it cannot come back). Primary only.
   */
  public synchronized Renewal renew(long id) {
    requirePrimary();
    Lease l = leases.get(id);
    long now = now();
    if (l == null || l.deadline <= now) {
      return null;
    }
    startCountdown(l, now);
    return new Renewal(l.ttl, l.remainingTtl > 0);
  }

  /** The lease's remaining and granted TTL (and keys if asked), or null when there is no such lease. */
  public synchronized TimeToLive timeToLive(long id, boolean withKeys) {
    Lease l = leases.get(id);
    if (l == null) {
      return null;
    }
    long remaining = primary ? (l.deadline - now()) / NANOS_PER_SECOND : l.startingTtl();
    return new TimeToLive(id, remaining, l.ttl, withKeys ? keysOf(id) : List.of());
  }

  /** Every lease ID, soonest expiry first (as etcd lists them). */
  public synchronized List<Long> ids() {
    List<Lease> all = new ArrayList<>(leases.values());
    all.sort(Comparator.<Lease>comparingLong(l -> l.deadline).thenComparingLong(l -> l.id));
    List<Long> ids = new ArrayList<>(all.size());
    for (Lease l : all) {
      ids.add(l.id);
    }
    return ids;
  }

  public synchronized int count() {
    return leases.size();
  }

  /**
   * The expired leases whose revoke should be proposed now (at most {@code max}, soonest first),
   * marked as proposed; one not revoked {@link #REVOKE_RETRY_NANOS} later comes back. Primary only.
   */
  synchronized List<Long> takeExpired(int max) {
    if (!primary) {
      return List.of();
    }
    long now = now();
    List<Lease> due = new ArrayList<>();
    for (Lease l : leases.values()) {
      if (l.deadline <= now && (l.revokeProposedAt < 0 || now - l.revokeProposedAt >= REVOKE_RETRY_NANOS)) {
        due.add(l);
      }
    }
    due.sort(Comparator.comparingLong(l -> l.deadline));
    List<Long> ids = new ArrayList<>(Math.min(max, due.size()));
    for (Lease l : due.subList(0, Math.min(max, due.size()))) {
      l.revokeProposedAt = now;
      ids.add(l.id);
    }
    return ids;
  }

  /** The checkpoints due now (remaining TTL in whole seconds, rounded up), rescheduled. Primary only. */
  synchronized List<LeaseCheckpoint> takeDueCheckpoints(int max) {
    if (!primary) {
      return List.of();
    }
    long now = now();
    List<LeaseCheckpoint> due = new ArrayList<>();
    for (Lease l : leases.values()) {
      if (due.size() == max) {
        break;
      }
      if (l.nextCheckpoint <= now && l.deadline > now) {
        long remaining = (l.deadline - now + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
        due.add(LeaseCheckpoint.newBuilder().setID(l.id).setRemainingTTL(remaining).build());
        scheduleCheckpoint(l, now);
      }
    }
    return due;
  }

  private void startCountdown(Lease l, long now) {
    startCountdown(l, now, l.ttl);
  }

  private void startCountdown(Lease l, long now, long seconds) {
    l.deadline = after(now, seconds);
    scheduleCheckpoint(l, now);
  }

  /** etcd checkpoints only leases that outlive a checkpoint interval. */
  private void scheduleCheckpoint(Lease l, long now) {
    boolean worthIt = checkpointIntervalNanos > 0 && l.deadline - now > checkpointIntervalNanos;
    l.nextCheckpoint = worthIt ? now + checkpointIntervalNanos : Lease.NEVER;
  }

  private void requirePrimary() {
    if (!primary) {
      throw new NotPrimaryException();
    }
  }

  private long now() {
    return clock.getAsLong() - origin;
  }

  /** {@code now} plus {@code seconds}, saturating below {@link Lease#NEVER}. */
  private static long after(long now, long seconds) {
    if (seconds >= (Lease.NEVER - 1 - now) / NANOS_PER_SECOND) {
      return Lease.NEVER - 1;
    }
    return now + seconds * NANOS_PER_SECOND;
  }

  private static void persist(Backend.Batch batch, Lease l) {
    Builder p = io.ketch.server.lease.proto.Lease.newBuilder().setID(l.id).setTTL(l.ttl).setRemainingTTL(l.remainingTtl);
    batch.put(Schema.LEASE, idBytes(l.id), p.build().toByteArray());
  }

  /** etcd's lease bucket key: the ID as 8 big-endian bytes. */
  static byte[] idBytes(long id) {
    return ByteBuffer.allocate(8).putLong(id).array();
  }

  private static io.ketch.server.lease.proto.Lease parse(byte[] v) {
    try {
      return io.ketch.server.lease.proto.Lease.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt value in lease bucket: " + e.getMessage(), e);
    }
  }

  /** A countdown operation reached a member that does not lead. */
  public static final class NotPrimaryException extends RuntimeException {
    NotPrimaryException() {
      super("this member is not the primary lessor", null, false, false);
    }
  }
}
