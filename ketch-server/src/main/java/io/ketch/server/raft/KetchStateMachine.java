package io.ketch.server.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.ketch.server.apply.Applier;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.cluster.Membership;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.mvcc.MvccException;
import io.ketch.server.raft.proto.InternalBatch;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Schema;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine: applies each committed entry (an {@link InternalBatch}) to the MVCC store
 * in log order, and completes the RPCs waiting for it.
 *
 * <p>Invariants: every backend batch that changes state also writes the entry's (index, term) as the
 * consistent index, in the same atomic commit; an entry at or below the persisted consistent index
 * is skipped, so replaying the log after a restart applies each entry exactly once. An apply that
 * fails for any reason other than a refused request stops the process rather than letting this
 * member diverge.
 *
 * <p>Snapshots ({@link SnapshotStore}): Ratis asks for one every {@code --snapshot-count} entries and
 * then purges the log behind it, keeping {@code --experimental-snapshot-catch-up-entries}. A follower
 * behind the leader's log fetches the leader's newest snapshot ({@link SnapshotFetcher}), and this
 * state machine swaps it in for its backend and reloads everything it keeps in memory ({@link #reinitialize}); a member whose
 * backend is behind its own newest snapshot (a machine crash lost RocksDB's unsynced tail after the
 * log was purged, or a crash stopped an installation) does the same when it starts.
 */
final class KetchStateMachine extends BaseStateMachine {
  /** Leader changes this member has seen (etcd_server_leader_changes_seen_total). */
  private final java.util.concurrent.atomic.LongAdder leaderChanges = new java.util.concurrent.atomic.LongAdder();
  private static final Logger LOG = LoggerFactory.getLogger(KetchStateMachine.class);

  private final Backend backend;
  private final SnapshotStore snapshots = new SnapshotStore();
  /** How long a notification to fetch a snapshot waits for the fetch, see notifyInstallSnapshotFromLeader. */
  private static final long INLINE_FETCH_MILLIS = 5_000;
  private volatile SnapshotFetcher fetcher;
  private final KvStore kv;
  private final Applier applier;
  private final Membership membership;
  private final Waiters waiters;
  private final long proposer;
  /**
   * Sends the responses of this process's applied batches, one batch at a time, so the apply thread
   * moves on to the next entry instead of writing responses (a serial stage under load).
   */
  private final java.util.concurrent.ExecutorService responder =
      java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ketch-respond");
        t.setDaemon(true);
        return t;
      });
  /** The applied index, for reads waiting on it. */
  private final AppliedIndex appliedIndex = new AppliedIndex(-1);
  /** The index of the last applied entry that carried requests (read by any thread). */
  private volatile long lastStateIndex = -1;
  /** Told of each applied entry that carried requests, with its index (on the apply thread). */
  private volatile LongConsumer onStateApplied = i -> { };
  /** Which batches have been applied (apply thread only). */
  private ProposerSessions sessions;
  /** Applied entries and the client requests they carried (apply thread only; read for stats). */
  private volatile long appliedEntries;
  private volatile long appliedRequests;

  KetchStateMachine(Backend backend, KvStore kv, Applier applier, Membership membership, Waiters waiters,
      long proposer) {
    this.backend = backend;
    this.kv = kv;
    this.applier = applier;
    this.membership = membership;
    this.waiters = waiters;
    this.proposer = proposer;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
    super.initialize(server, groupId, storage);
    snapshots.init(storage);
    long index = readLong(Schema.CONSISTENT_INDEX);
    long term = readLong(Schema.TERM);
    FileListSnapshotInfo snapshot = snapshots.getLatestSnapshot();
    if (snapshot != null && snapshot.getIndex() > index) {
      LOG.warn("event=backend-behind-snapshot consistent_index={} snapshot_index={}: loading the snapshot", index,
          snapshot.getIndex());
      load(snapshot);
    } else {
      if (index >= 0) {
        setLastAppliedTermIndex(TermIndex.valueOf(term, index));
      }
      sessions = ProposerSessions.load(backend);
      appliedIndex.advance(index);
      lastStateIndex = index;
    }
    getLifeCycle().startAndTransition(() -> { });
    LOG.info("event=state-machine-initialized consistent_index={} term={} snapshot={}",
        getLastAppliedTermIndex().getIndex(), getLastAppliedTermIndex().getTerm(),
        snapshot == null ? "none" : snapshot.getTermIndex());
  }

  @Override
  public SnapshotStore getStateMachineStorage() {
    return snapshots;
  }

  /**
   * Takes a snapshot at the applied index (Ratis calls it on the apply thread, every
   * {@code --snapshot-count} entries). The applied index is written as the backend's consistent index
   * first: configuration entries move it without a backend write.
   */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex applied = getLastAppliedTermIndex();
    FileListSnapshotInfo latest = snapshots.getLatestSnapshot();
    if (latest != null && latest.getIndex() >= applied.getIndex()) {
      return latest.getIndex();
    }
    long start = System.nanoTime();
    try (Backend.Batch writes = backend.newBatch()) {
      writeConsistentIndex(writes, applied.getTerm(), applied.getIndex());
      backend.commit(writes);
    }
    snapshots.take(backend, applied);
    LOG.info("event=snapshot-taken index={} term={} revision={} millis={}", applied.getIndex(), applied.getTerm(),
        kv.currentRevision(), (System.nanoTime() - start) / 1_000_000);
    return applied.getIndex();
  }

  /**
   * A snapshot fetched from the leader is installed: applying stops (Ratis calls this from its
   * receiving thread; the apply thread then loads the snapshot in {@link #reinitialize}).
   */
  @Override
  public void pause() {
    LifeCycle life = getLifeCycle();
    if (life.getCurrentState() == LifeCycle.State.RUNNING) {
      life.transition(LifeCycle.State.PAUSING);
      life.transition(LifeCycle.State.PAUSED);
    }
  }

  /** Fetches snapshots from the leader when Ratis says this member is behind its log. */
  void fetchSnapshotsWith(SnapshotFetcher fetcher) {
    this.fetcher = fetcher;
  }

  /**
   * This member is behind the leader's log: fetch the leader's newest snapshot. Ratis asks again
   * while the fetch runs (and after it failed), and once it completed pauses applying and calls
   * {@link #reinitialize}.
   */
  @Override
  public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto role, TermIndex firstInLog) {
    RaftPeerProto leader = role.getFollowerInfo().getLeaderInfo().getId();
    SnapshotFetcher f = fetcher;
    if (f == null || leader.getAddress().isEmpty()) {
      return CompletableFuture.failedFuture(new IOException("ketch: no leader to fetch a snapshot from"));
    }
    LOG.info("event=behind-leader-log leader={} leader_first_index={} applied={}", leader.getId().toStringUtf8(),
        firstInLog.getIndex(), getLastAppliedTermIndex().getIndex());
    CompletableFuture<TermIndex> fetched = f.fetch(leader.getId().toStringUtf8(), leader.getAddress());
    // Ratis swaps a fetched snapshot in when the leader notifies again, but a deposed leader whose log
    // runs past the new leader's first index answers the leader's appends with its own next index
    // while a fetch is in progress, and then is never notified again (Ratis 3.3). For such a member a
    // fetch that ends within INLINE_FETCH is answered in this very notification, which then installs
    // it at once; a member that is simply behind is notified again and fetches in the background.
    if (lastLogIndex() < firstInLog.getIndex()) {
      return fetched;
    }
    try {
      fetched.get(INLINE_FETCH_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException stillFetching) {
      // a large snapshot: Ratis asks again while it is fetched
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException failed) {
      // returned as it is: Ratis asks again
    }
    return fetched;
  }

  /** The index of the last entry in this member's Raft log, or -1. */
  private long lastLogIndex() {
    try {
      TermIndex last = getServer().get().getDivision(getGroupId()).getRaftLog().getLastEntryTermIndex();
      return last == null ? -1 : last.getIndex();
    } catch (Exception e) {
      return -1;
    }
  }

  /** Loads the snapshot fetched from the leader (apply thread). */
  @Override
  public void reinitialize() throws IOException {
    FileListSnapshotInfo snapshot = snapshots.reload();
    if (snapshot == null) {
      throw new IOException("no snapshot to load in " + snapshots.getSnapshotDir());
    }
    load(snapshot);
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /**
   * Makes the backend a copy of {@code snapshot} and reloads the replicated state kept in memory
   * (MVCC index, leases, alarms, members, proposer windows); watchers then catch up from the new
   * history. Apply thread.
   */
  private void load(FileListSnapshotInfo snapshot) throws IOException {
    long start = System.nanoTime();
    applier.reload(backend, () -> backend.replaceWith(snapshots.dir(snapshot.getTermIndex())));
    membership.reload(backend);
    sessions = ProposerSessions.load(backend);
    long index = readLong(Schema.CONSISTENT_INDEX);
    if (index != snapshot.getIndex()) {
      throw new IOException("snapshot " + snapshot.getTermIndex() + " holds consistent index " + index);
    }
    setLastAppliedTermIndex(snapshot.getTermIndex());
    lastStateIndex = index;
    appliedIndex.advance(index);
    LOG.info("event=snapshot-loaded index={} term={} revision={} millis={}", index, snapshot.getTerm(),
        kv.currentRevision(), (System.nanoTime() - start) / 1_000_000);
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    if (index <= getLastAppliedTermIndex().getIndex()) {
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    try {
      InternalBatch batch = InternalBatch.parseFrom(
          entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
      List<Section> mine = new ArrayList<>();
      boolean changed;
      try (Backend.Batch writes = backend.newBatch()) {
        changed = applyBatch(writes, batch, index, mine);
        writeConsistentIndex(writes, entry.getTerm(), index);
        backend.commit(writes);
      }
      kv.publish();
      updateLastAppliedTermIndex(entry.getTerm(), index);
      if (changed) {
        lastStateIndex = index;
      }
      appliedIndex.advance(index);
      if (changed) {
        onStateApplied.accept(index);
      }
      appliedEntries++;
      for (Section section : mine) {
        responder.execute(() -> {
          for (int i = 0; i < section.results.size(); i++) {
            waiters.complete(section.batch.getRequests(i).getId(), section.results.get(i));
          }
        });
      }
      return CompletableFuture.completedFuture(Message.EMPTY);
    } catch (Throwable t) {
      LOG.error("event=apply-failed index={} term={}: stopping so this member cannot diverge", index,
          entry.getTerm(), t);
      Runtime.getRuntime().halt(70);
      throw new IllegalStateException(t);
    }
  }

  /** A batch's own section, then the batches forwarded in it (an old leader's re-sent entry nests them). */
  private boolean applyBatch(Backend.Batch writes, InternalBatch batch, long index, List<Section> mine)
      throws InvalidProtocolBufferException {
    boolean changed = applySection(writes, batch, index, mine);
    for (ByteString forwarded : batch.getForwardedList()) {
      changed |= applyBatch(writes, InternalBatch.parseFrom(forwarded), index, mine);
    }
    return changed;
  }

  /** The requests of one proposer in an entry, and their results. */
  private record Section(InternalBatch batch, List<Object> results) {}

  /**
   * Applies one proposer's section of an entry, unless it was applied before (a copy); collects the
   * results of this process's own sections for its waiters. Returns whether it applied requests.
   */
  private boolean applySection(Backend.Batch writes, InternalBatch section, long index, List<Section> mine) {
    if (section.getRequestsCount() == 0) {
      return false;
    }
    if (!sessions.firstApply(writes, section.getProposer(), section.getSeq())) {
      LOG.info("event=duplicate-batch-skipped index={} proposer={} seq={}", index, section.getProposer(),
          section.getSeq());
      return false;
    }
    List<Object> results = new ArrayList<>(section.getRequestsCount());
    for (InternalRequest r : section.getRequestsList()) {
      results.add(applyOne(writes, r, index));
    }
    appliedRequests += section.getRequestsCount();
    if (section.getProposer() == proposer) {
      mine.add(new Section(section, results));
    }
    return true;
  }

  private Object applyOne(Backend.Batch writes, InternalRequest r, long index) {
    try {
      if (r.hasRequester()) {
        applier.permissions().check(r.getRequester().getUser(), r); // against the auth state here
      }
      return switch (r.getRequestCase()) {
        case PUT -> applier.put(writes, r.getPut());
        case DELETE_RANGE -> applier.deleteRange(writes, r.getDeleteRange());
        case TXN -> applier.txn(writes, r.getTxn());
        case COMPACTION -> applier.compact(writes, r.getCompaction());
        case LEASE_GRANT -> applier.leaseGrant(writes, r.getLeaseGrant());
        case LEASE_REVOKE -> applier.leaseRevoke(writes, r.getLeaseRevoke());
        case LEASE_CHECKPOINT -> applier.leaseCheckpoint(writes, r.getLeaseCheckpoint());
        case MEMBER_CHANGE -> membership.apply(writes, r.getMemberChange());
        case ALARM -> applier.alarm(writes, r.getAlarm());
        case AUTH -> applier.auth(writes, r.getAuth(), r.getRequester().getUser(), index);
        default -> throw new IllegalStateException("empty request in log entry: " + r);
      };
    } catch (EtcdException | MvccException e) {
      return e; // refused before it changed anything: the client gets the error, the log moves on
    }
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    // configuration entries (and the leader's first entry of a term): nothing to apply. The applied
    // index moves on in memory only; the backend's consistent index catches up with the next applied
    // batch, and a restart meanwhile replays these entries again (they change nothing).
    if (index <= getLastAppliedTermIndex().getIndex()) {
      return;
    }
    updateLastAppliedTermIndex(term, index);
    appliedIndex.advance(index);
  }

  /**
   * The index of the last applied entry that carried requests: a member that has applied it holds
   * the same state as this one (entries after it change nothing).
   */
  long lastStateIndex() {
    return lastStateIndex;
  }

  void onStateApplied(LongConsumer listener) {
    this.onStateApplied = listener;
  }

  /** Completes once this member has applied log index {@code index}. */
  CompletableFuture<Void> awaitApplied(long index) {
    return appliedIndex.await(index);
  }

  @Override
  public void close() throws IOException {
    LOG.info("event=apply-stats entries={} requests={}", appliedEntries, appliedRequests);
    responder.shutdown();
    super.close();
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    // a linearizable read barrier: Ratis calls this once the ReadIndex has been applied
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  private void writeConsistentIndex(Backend.Batch writes, long term, long index) {
    writes.put(Schema.META, Schema.CONSISTENT_INDEX, ByteBuffer.allocate(8).putLong(index).array());
    writes.put(Schema.META, Schema.TERM, ByteBuffer.allocate(8).putLong(term).array());
  }

  private long readLong(byte[] key) {
    byte[] b = backend.get(Schema.META, key);
    return b == null ? -1 : ByteBuffer.wrap(b).getLong();
  }

  @Override
  public void notifyLeaderChanged(org.apache.ratis.protocol.RaftGroupMemberId member,
      org.apache.ratis.protocol.RaftPeerId newLeader) {
    if (newLeader != null) {
      leaderChanges.increment();
    }
  }

  long leaderChanges() {
    return leaderChanges.sum();
  }
}
