package io.ketch.server.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.LeaseCheckpoint;
import io.ketch.api.etcdserverpb.LeaseCheckpointRequest;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.mvccpb.Event;
import io.ketch.server.alarm.Alarms;
import io.ketch.server.auth.AuthStore;
import io.ketch.server.auth.SimpleTokens;
import io.ketch.server.apply.Applier;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.mvcc.RangeOptions;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.RocksBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lessor and its keeper on a real RocksDB with a manual clock: expiry decided by the clock and
 * proposed as revokes, keepalives, key attachment, and checkpoints surviving a reopen.
 */
class LessorTest {
  private static final long MIN_TTL = 2;

  @TempDir
  Path dir;

  private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
  private final AtomicBoolean leading = new AtomicBoolean(true);
  private final List<Long> proposedRevokes = new ArrayList<>();
  private final List<List<LeaseCheckpoint>> proposedCheckpoints = new ArrayList<>();
  private final List<Event> published = new ArrayList<>();
  private RocksBackend backend;
  private Lessor lessor;
  private KvStore kv;
  private Applier applier;
  private LeaseKeeper keeper;
  private Duration extension = Duration.ZERO;

  @BeforeEach
  void open() {
    backend = RocksBackend.open(dir);
    openStores(Duration.ofSeconds(5));
  }

  private void openStores(Duration checkpointInterval) {
    lessor = Lessor.open(backend, clock::get, MIN_TTL, checkpointInterval);
    kv = KvStore.open(backend, lessor);
    kv.addEventSink((rev, events) -> published.addAll(events));
    applier = new Applier(kv, lessor, Alarms.load(backend), AuthStore.load(backend, new SimpleTokens(java.time.Duration.ofMinutes(5))));
    keeper = new LeaseKeeper(lessor, leading::get, extension, new LeaseKeeper.Proposals() {
      @Override
      public CompletableFuture<?> revoke(long id) {
        proposedRevokes.add(id);
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public CompletableFuture<?> checkpoint(List<LeaseCheckpoint> checkpoints) {
        proposedCheckpoints.add(checkpoints);
        return CompletableFuture.completedFuture(null);
      }
    });
  }

  @AfterEach
  void close() {
    keeper.close();
    kv.close();
    backend.close();
  }

  private <T> T apply(Function<Backend.Batch, T> body) {
    try (Backend.Batch b = backend.newBatch()) {
      T result = body.apply(b);
      backend.commit(b);
      kv.publish();
      return result;
    }
  }

  private long grant(long id, long ttl) {
    return apply(b -> applier.leaseGrant(b, LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build())).getTTL();
  }

  private void put(String key, long lease) {
    apply(b -> applier.put(b, PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setLease(lease).build()));
  }

  private void advance(double seconds) {
    clock.addAndGet((long) (seconds * 1e9));
  }

  private static List<ByteString> keys(String... ks) {
    List<ByteString> out = new ArrayList<>();
    for (String k : ks) {
      out.add(ByteString.copyFromUtf8(k));
    }
    return out;
  }

  @Test
  void expiryIsDecidedByTheClockAndProposedAsOneRevokePerLease() {
    keeper.tick(); // becomes primary
    assertEquals(10, grant(1, 10));
    put("a", 1);
    put("b", 1);
    put("c", 0);
    advance(9.9);
    keeper.tick();
    assertEquals(List.of(), proposedRevokes);
    advance(0.1);
    keeper.tick();
    assertEquals(List.of(1L), proposedRevokes);
    keeper.tick();
    assertEquals(List.of(1L), proposedRevokes, "a proposed revoke is not proposed again at once");
    assertEquals(0, keeper.renew(1).join(), "an expired lease cannot be kept alive");
    advance(Lessor.REVOKE_RETRY_NANOS / 1e9);
    keeper.tick();
    assertEquals(List.of(1L, 1L), proposedRevokes, "a revoke not applied in time is proposed again");

    published.clear();
    long rev = apply(b -> applier.leaseRevoke(b, LeaseRevokeRequest.newBuilder().setID(1).build()))
        .getHeader().getRevision();
    assertEquals(2, published.size());
    for (Event e : published) {
      assertEquals(Event.EventType.DELETE, e.getType());
      assertEquals(rev, e.getKv().getModRevision(), "every key of the lease is deleted at one revision");
    }
    assertEquals(keys("a", "b"), List.of(published.get(0).getKv().getKey(), published.get(1).getKv().getKey()));
    assertEquals(1, kv.range("c".getBytes(), null, RangeOptions.ALL).kvs().size());
    assertTrue(kv.range("a".getBytes(), null, RangeOptions.ALL).kvs().isEmpty());
    assertNull(lessor.timeToLive(1, true));
    assertEquals(0, keeper.renew(1).join());
  }

  @Test
  void keepAliveRestartsTheCountdown() {
    keeper.tick();
    grant(7, 10);
    advance(8);
    assertEquals(10, keeper.renew(7).join());
    assertEquals(10, lessor.timeToLive(7, false).ttl());
    advance(8);
    keeper.tick();
    assertEquals(List.of(), proposedRevokes);
    assertEquals(2, lessor.timeToLive(7, false).ttl());
    advance(2);
    keeper.tick();
    assertEquals(List.of(7L), proposedRevokes);
  }

  @Test
  void ttlIsRaisedToTheMinimumAndKeysMoveBetweenLeases() {
    keeper.tick();
    assertEquals(MIN_TTL, grant(1, 1));
    assertEquals(MIN_TTL, grant(2, -5));
    put("k", 1);
    assertEquals(keys("k"), lessor.keysOf(1));
    put("k", 2);
    assertEquals(keys(), lessor.keysOf(1), "a put with another lease moves the key");
    assertEquals(keys("k"), lessor.keysOf(2));
    put("k", 0);
    assertEquals(keys(), lessor.keysOf(2), "a put without a lease detaches the key");
    put("k", 2);
    apply(b -> applier.deleteRange(b, DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()));
    assertEquals(keys(), lessor.keysOf(2), "deleting a key detaches it");
  }

  @Test
  void onlyThePrimaryCountsDown() {
    leading.set(false);
    keeper.tick();
    grant(3, 5);
    advance(3600);
    keeper.tick();
    assertEquals(List.of(), proposedRevokes);
    assertThrows(Lessor.NotPrimaryException.class, () -> keeper.renew(3).join());
    leading.set(true);
    keeper.tick(); // promoted: the countdown starts now, from the full TTL
    assertEquals(List.of(), proposedRevokes);
    assertEquals(5, lessor.timeToLive(3, false).ttl());
    advance(5);
    keeper.tick();
    assertEquals(List.of(3L), proposedRevokes);
  }

  @Test
  void aNewPrimaryGivesEveryLeaseTheElectionTimeOnTop() {
    keeper.close();
    kv.close();
    extension = Duration.ofSeconds(2);
    openStores(Duration.ofSeconds(5));
    leading.set(false);
    keeper.tick();
    grant(4, 5);
    leading.set(true);
    keeper.tick();
    advance(6);
    keeper.tick();
    assertEquals(List.of(), proposedRevokes, "5 s TTL + 2 s extension: not expired after 6 s");
    advance(1);
    keeper.tick();
    assertEquals(List.of(4L), proposedRevokes);
  }

  @Test
  void checkpointsKeepTheRemainingTtlAcrossAReopen() {
    keeper.tick();
    grant(9, 60);
    grant(10, 4); // shorter than the interval: never checkpointed
    put("held", 9);
    advance(5);
    keeper.tick();
    assertEquals(1, proposedCheckpoints.size());
    List<LeaseCheckpoint> cps = proposedCheckpoints.get(0);
    assertEquals(List.of(LeaseCheckpoint.newBuilder().setID(9).setRemainingTTL(55).build()), cps);
    apply(b -> applier.leaseCheckpoint(b, LeaseCheckpointRequest.newBuilder().addAllCheckpoints(cps).build()));

    keeper.close();
    kv.close();
    openStores(Duration.ofSeconds(5));
    advance(100); // downtime does not count: a new primary starts from the checkpoint
    keeper.tick();
    assertEquals(55, lessor.timeToLive(9, false).ttl());
    assertEquals(keys("held"), lessor.keysOf(9), "attachments are rebuilt from the key bucket");
    assertEquals(4, lessor.timeToLive(10, false).ttl());

    assertEquals(60, keeper.renew(9).join());
    assertEquals(List.of(LeaseCheckpoint.newBuilder().setID(9).setRemainingTTL(0).build()),
        proposedCheckpoints.get(proposedCheckpoints.size() - 1), "a renewal clears the stale checkpoint");
  }

  @Test
  void expiredLeasesAreRevokedSoonestFirstAndAtABoundedRate() {
    keeper.tick();
    for (int i = 1; i <= LeaseKeeper.MAX_REVOKES_PER_TICK + 10; i++) {
      grant(i, 2 + i % 3);
    }
    advance(10);
    keeper.tick();
    assertEquals(LeaseKeeper.MAX_REVOKES_PER_TICK, proposedRevokes.size());
    keeper.tick();
    assertEquals(LeaseKeeper.MAX_REVOKES_PER_TICK + 10, proposedRevokes.size());
    for (long id : proposedRevokes.subList(LeaseKeeper.MAX_REVOKES_PER_TICK, proposedRevokes.size())) {
      assertEquals(2, id % 3, "the longest leases (TTL 4) expired last and wait for the next tick");
    }
  }
}
