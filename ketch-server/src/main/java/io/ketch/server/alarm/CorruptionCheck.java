package io.ketch.server.alarm;

import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmType;
import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.server.cluster.MemberIds;
import io.ketch.server.mvcc.KvHash;
import io.ketch.server.mvcc.KvStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's corruption checks: members that applied the same log hold the same key-value history, so
 * their HashKV at a revision must agree. {@code --experimental-initial-corrupt-check}: a starting
 * member compares its hash at its own revision with every peer's and refuses to start if one
 * differs ({@link #initialCheck}). {@code --experimental-corrupt-check-time}: the leader compares
 * its hash with its followers' periodically and raises a CORRUPT alarm, through the log, for a
 * member whose hash differs ({@link #check}); while it is raised, requests through the log are
 * refused with {@code etcdserver: corrupt cluster}.
 *
 * <p>Hashes are compared only at equal compaction revisions (a member that compacted differently
 * hashes a different range); a peer that cannot answer, or is behind the revision for longer than
 * {@link #CATCH_UP}, is skipped for the round. Hashing scans the backend, so it runs on a thread of
 * its own.
 */
public final class CorruptionCheck implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CorruptionCheck.class);
  /** How long a peer waits to reach the revision it is asked to hash. */
  static final Duration CATCH_UP = Duration.ofSeconds(2);
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(10);

  /** This member's view of the others. */
  public interface Peers {
    /** The other members' IDs. */
    List<Long> others();

    /** Member {@code id}'s answer to HashKV at {@code revision}, over the peer service. */
    CompletableFuture<HashKVResponse> hashKv(long id, long revision, Duration timeout);
  }

  /** A starting member's data differs from its peers'. */
  public static final class InconsistentException extends Exception {
    InconsistentException(String message) {
      super(message);
    }
  }

  private final long selfId;
  private final KvStore kv;
  private final Peers peers;
  private final Function<AlarmRequest, CompletableFuture<?>> raise;
  private final BooleanSupplier leading;
  private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ketch-corrupt-check");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param raise proposes an alarm request through the log
   * @param leading whether this member leads now (only the leader checks periodically)
   */
  public CorruptionCheck(long selfId, KvStore kv, Peers peers, Function<AlarmRequest, CompletableFuture<?>> raise,
      BooleanSupplier leading) {
    this.selfId = selfId;
    this.kv = kv;
    this.peers = peers;
    this.raise = raise;
    this.leading = leading;
  }

  /** Checks every {@code every} while this member leads. */
  public void start(Duration every) {
    worker.scheduleWithFixedDelay(() -> {
      try {
        if (leading.getAsBoolean()) {
          check();
        }
      } catch (RuntimeException e) {
        LOG.warn("event=corrupt-check-failed error={}", e.toString());
      }
    }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * A peer's answer to HashKV at {@code r.revision}: once this member has published that revision
   * (waiting up to {@link #CATCH_UP}), its hash there; fails if it does not get there or the
   * revision was compacted.
   */
  public CompletableFuture<HashKVResponse> answer(HashKVRequest r) {
    CompletableFuture<HashKVResponse> out = new CompletableFuture<>();
    long deadline = System.nanoTime() + CATCH_UP.toNanos();
    answerWhenThere(r.getRevision(), deadline, out);
    return out;
  }

  private void answerWhenThere(long revision, long deadline, CompletableFuture<HashKVResponse> out) {
    if (kv.currentRevision() < revision && System.nanoTime() < deadline) {
      worker.schedule(() -> answerWhenThere(revision, deadline, out), 5, TimeUnit.MILLISECONDS);
      return;
    }
    worker.execute(() -> {
      try {
        out.complete(response(kv.hashByRev(revision)));
      } catch (RuntimeException e) {
        out.completeExceptionally(e);
      }
    });
  }

  private HashKVResponse response(KvHash h) {
    return HashKVResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setMemberId(selfId).setRevision(h.currentRevision()))
        .setHash(h.hash())
        .setCompactRevision(h.compactRevision())
        .setHashRevision(h.hashRevision())
        .build();
  }

  /**
   * The start-up check: this member's hash at its revision against every peer's at the same
   * revision. Peers that cannot answer are skipped (as etcd does).
   *
   * @throws InconsistentException with etcd's message if a peer with the same compaction revision
   *     has a different hash
   */
  public void initialCheck() throws InconsistentException {
    KvHash mine = kv.hashByRev(0);
    int mismatches = 0;
    for (HashKVResponse p : peerHashes(mine.hashRevision())) {
      String peer = MemberIds.hex(p.getHeader().getMemberId());
      if (p.getHash() == mine.hash()) {
        continue;
      }
      if (p.getCompactRevision() == mine.compactRevision()) {
        LOG.warn("event=hash-mismatch peer={} revision={} local_hash={} peer_hash={} compact_revision={}", peer,
            mine.hashRevision(), Integer.toUnsignedLong(mine.hash()), Integer.toUnsignedLong(p.getHash()),
            mine.compactRevision());
        mismatches++;
      } else {
        LOG.warn("event=compact-revision-differs peer={} local={} peer_compact_revision={}", peer,
            mine.compactRevision(), p.getCompactRevision());
      }
    }
    if (mismatches > 0) {
      throw new InconsistentException(MemberIds.hex(selfId) + " found data inconsistency with peers");
    }
    LOG.info("event=initial-corrupt-check-passed revision={}", mine.hashRevision());
  }

  /**
   * One periodic round on the leader (etcd's rules): its hash at its revision, the followers' at the
   * same revision; a follower ahead of the leader, compacted further, or with the same compaction and
   * another hash gets a CORRUPT alarm, as does the leader if its own hash of that revision changed.
   * One alarm per round. Returns the member alarmed, or 0.
   */
  public long check() {
    KvHash before = kv.hashByRev(0);
    List<HashKVResponse> answers = peerHashes(before.hashRevision());
    KvHash after = kv.hashByRev(before.hashRevision());
    if (after.hash() != before.hash() && after.compactRevision() == before.compactRevision()) {
      return alarm(selfId, "its own hash of revision " + before.hashRevision() + " changed");
    }
    KvHash now = kv.hashByRev(0);
    for (HashKVResponse p : answers) {
      long id = p.getHeader().getMemberId();
      if (p.getHeader().getRevision() > now.currentRevision()) {
        return alarm(id, "its revision " + p.getHeader().getRevision() + " is ahead of the leader's");
      }
      if (p.getCompactRevision() > now.compactRevision()) {
        return alarm(id, "its compaction revision " + p.getCompactRevision() + " is ahead of the leader's");
      }
      if (p.getCompactRevision() == before.compactRevision() && p.getHash() != before.hash()) {
        return alarm(id, "its hash of revision " + before.hashRevision() + " is "
            + Integer.toUnsignedLong(p.getHash()) + ", the leader's " + Integer.toUnsignedLong(before.hash()));
      }
    }
    return 0;
  }

  private long alarm(long member, String why) {
    LOG.error("event=corruption-detected member={} detail=\"{}\": raising a CORRUPT alarm", MemberIds.hex(member),
        why);
    raise.apply(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(member)
        .setAlarm(AlarmType.CORRUPT).build()).join();
    return member;
  }

  private List<HashKVResponse> peerHashes(long revision) {
    List<CompletableFuture<HashKVResponse>> asked = new ArrayList<>();
    for (long id : peers.others()) {
      asked.add(peers.hashKv(id, revision, PEER_TIMEOUT).exceptionally(e -> {
        LOG.info("event=peer-hash-skipped peer={} revision={} error={}", MemberIds.hex(id), revision, e.toString());
        return null;
      }));
    }
    List<HashKVResponse> out = new ArrayList<>();
    for (CompletableFuture<HashKVResponse> f : asked) {
      HashKVResponse r = f.join();
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
