package io.ketch.server.raft;

import io.ketch.api.EtcdError;
import io.ketch.server.apply.Applier;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.cluster.Bootstrap;
import io.ketch.server.cluster.MemberIds;
import io.ketch.server.cluster.Membership;
import io.ketch.server.cluster.MembershipReconciler;
import io.ketch.server.cluster.RaftGroupView;
import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.peer.PeerClient;
import io.ketch.server.peer.PeerMethods;
import io.ketch.server.peer.PeerService;
import io.ketch.server.peer.proto.ConfirmLeadershipRequest;
import io.ketch.server.peer.proto.ConfirmLeadershipResponse;
import io.ketch.server.peer.proto.ReadIndexRequest;
import io.ketch.server.peer.proto.ReadIndexResponse;
import io.ketch.server.raft.proto.InternalBatch;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.storage.Backend;
import io.ketch.server.tls.PeerSsl;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's Raft replica, on Apache Ratis: one group per cluster (a single node is a one-member
 * group, on the same write path). State-changing requests are proposed here (batched, see
 * {@link Proposer}; forwarded to the leader from other members, see {@link Replicator}) and complete
 * once applied on this member; linearizable reads wait on {@link #readBarrier()}.
 */
public final class RaftNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
  /** One entry in flight: requests arriving meanwhile form the next, larger batch (measured: 24 vs 15 requests per entry at 64 clients, less CPU per put). */
  private static final int MAX_IN_FLIGHT = 1;
  /** How long the leader waits for another entry before pushing a commit to the followers. */
  private static final long COMMIT_PUSH_MILLIS = 2;
  /** Tag of the Ratis group IDs of Ketch clusters ("ketch_ra"); the cluster ID is the other half. */
  private static final long GROUP_TAG = 0x6b657463685f7261L;

  private final long memberId;
  private final long clusterId;
  private final Duration requestTimeout;
  private final Duration electionTimeout;
  private final RaftServer server;
  private final RaftServer.Division division;
  private final RaftGroupId groupId;
  private final KetchStateMachine stateMachine;
  private final Waiters waiters;
  private final Proposer proposer;
  private final Replicator replicator;
  private final ReadBarrier readBarrier;
  private final LeaderCalls leaderCalls;
  private final RatisGroupView groupView;
  private final PeerClient peers;
  private final SnapshotSender snapshotSender;
  private final SnapshotFetcher snapshotFetcher;
  private final ScheduledExecutorService timer;
  private final Runnable unregisterAddresses;
  /** The proposer ID and numbers of commit pushes (see pushCommit). */
  private final long pushProposerId = new SecureRandom().nextLong();
  private final AtomicLong pushSeq = new AtomicLong();

  private RaftNode(ServerConfig cfg, Bootstrap.Plan plan, Backend backend, KvStore kv, Applier applier,
      Membership membership, PeerService peerService, PeerClient peers) throws IOException {
    this.memberId = plan.identity().memberId();
    this.clusterId = plan.identity().clusterId();
    this.requestTimeout = requestTimeout(cfg.electionTimeout());
    this.electionTimeout = cfg.electionTimeout();
    this.groupId = groupId(clusterId);
    List<RaftPeer> group = new ArrayList<>();
    Map<Long, String> initialAddresses = new HashMap<>();
    for (Bootstrap.Peer p : plan.voters()) {
      group.add(peer(clusterId, p.id(), RaftPeerRole.FOLLOWER));
      initialAddresses.put(p.id(), p.address());
    }
    for (Bootstrap.Peer p : plan.listeners()) {
      group.add(peer(clusterId, p.id(), RaftPeerRole.LISTENER));
      initialAddresses.put(p.id(), p.address());
    }
    // peers are reached at their current peer URL from the member table (the bootstrap addresses
    // until the table knows them)
    this.unregisterAddresses = PeerAddresses.register(clusterId, id -> {
      MemberRecord m = membership.member(id);
      return m != null && m.getPeerUrlsCount() > 0 ? MembershipReconciler.address(m) : initialAddresses.get(id);
    });

    long proposerId = new SecureRandom().nextLong();
    this.waiters = new Waiters();
    this.stateMachine = new KetchStateMachine(backend, kv, applier, membership, waiters, proposerId);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ketch-raft-timer");
      t.setDaemon(true);
      return t;
    });

    Path raftDir = raftDir(cfg.dataDir());
    Files.createDirectories(raftDir);
    URI listen = cfg.listenPeerUrls().get(0);
    RaftProperties p = RaftTuning.properties(cfg, raftDir, bindHost(listen.getHost()), listen.getPort(), requestTimeout);
    Parameters parameters = new Parameters();
    GrpcConfigKeys.Server.setServicesCustomizer(parameters, peerService);
    if (cfg.peerTls().enabled()) {
      try {
        GrpcConfigKeys.TLS.setConf(parameters, new PeerSsl(cfg.peerTls()).ratis());
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException("peer TLS: " + e.getMessage(), e);
      }
    }
    this.snapshotSender = new SnapshotSender(stateMachine.getStateMachineStorage(), cfg.snapshotSendRate());
    this.snapshotFetcher = new SnapshotFetcher(stateMachine.getStateMachineStorage(), peers,
        Bootstrap.otherPeerUrls(cfg).stream().map(Bootstrap::address).toList(),
        () -> leaderId() == 0 ? "" : MemberIds.hex(leaderId()));
    stateMachine.fetchSnapshotsWith(snapshotFetcher);
    peerService.register(PeerMethods.SNAPSHOT_MANIFEST, snapshotSender::manifest);
    peerService.register(PeerMethods.SNAPSHOT_CHUNK, snapshotSender::chunk);
    this.server = RaftServer.newBuilder()
        .setServerId(peerId(memberId))
        .setGroup(RaftGroup.valueOf(groupId, group))
        .setStateMachine(stateMachine)
        .setProperties(p)
        .setParameters(parameters)
        .setOption(plan.firstStart() ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
        .build();
    server.start();
    this.division = server.getDivision(groupId);
    this.replicator = new Replicator(this, peers, requestTimeout, timer);
    this.proposer = new Proposer(proposerId, MAX_IN_FLIGHT, replicator::replicate, waiters, requestTimeout,
        () -> commitIndex() > appliedIndex());
    this.readBarrier = new ReadBarrier(this::readIndexRound);
    this.leaderCalls = new LeaderCalls(this, peers, peerService, requestTimeout, timer);
    this.groupView = new RatisGroupView(this, peers, timer);
    this.peers = peers;
    peerService.register(PeerMethods.CONFIRM_LEADERSHIP, this::confirmLeadership);
    // a follower needs only the state the round covers: the last entry that changed it, whose commit
    // it learns at once (see pushCommit), not the leader's commit index
    peerService.register(PeerMethods.READ_INDEX, r -> division.getInfo().isLeader()
        ? readBarrier.await().thenApply(index -> ReadIndexResponse.newBuilder()
            .setIndex(Math.min(index, stateMachine.lastStateIndex())).build())
        : CompletableFuture.failedFuture(new io.ketch.server.peer.NotLeaderException()));
    stateMachine.onStateApplied(this::pushCommit);
    peerService.register(PeerMethods.PROPOSE, r -> replicator.serveForwarded(r, proposer));
    if (ForkJoinPool.getCommonPoolParallelism() <= 1) {
      // the ketch command sets it (Main); an embedding JVM decides for itself
      LOG.warn("event=common-pool-parallelism-1 detail=\"Ratis's follower starts a thread per append received; "
          + "run the JVM with -Djava.util.concurrent.ForkJoinPool.common.parallelism=2\"");
    }
    LOG.info("event=raft-started member={} cluster={} group={} first_start={}", MemberIds.hex(memberId),
        MemberIds.hex(clusterId), group, plan.firstStart());
  }

  /** Starts this member's replica as {@code plan} says; its state machine applies through {@code applier}. */
  public static RaftNode start(ServerConfig cfg, Bootstrap.Plan plan, Backend backend, KvStore kv, Applier applier,
      Membership membership, PeerService peerService, PeerClient peers) throws IOException {
    return new RaftNode(cfg, plan, backend, kv, applier, membership, peerService, peers);
  }

  /** Whether Ratis storage for cluster {@code clusterId} exists in {@code dataDir}. */
  public static boolean storageExists(Path dataDir, long clusterId) {
    return Files.isDirectory(raftDir(dataDir).resolve(groupId(clusterId).getUuid().toString()));
  }

  private static Path raftDir(Path dataDir) {
    return dataDir.resolve("member").resolve("raft");
  }

  private static RaftGroupId groupId(long clusterId) {
    return RaftGroupId.valueOf(new UUID(clusterId, GROUP_TAG));
  }

  /** etcd's ReqTimeout: how long a request waits for its proposal (5 s plus two election timeouts). */
  static Duration requestTimeout(Duration electionTimeout) {
    return Duration.ofSeconds(5).plus(electionTimeout.multipliedBy(2));
  }

  private static RaftPeer peer(long clusterId, long id, RaftPeerRole role) {
    return RaftPeer.newBuilder().setId(peerId(id)).setAddress(PeerAddresses.target(clusterId, id)).setStartupRole(role)
        .build();
  }

  static RaftPeerId peerId(long memberId) {
    return RaftPeerId.valueOf(MemberIds.hex(memberId));
  }

  static long memberId(RaftPeerId peer) {
    return Long.parseUnsignedLong(peer.toString(), 16);
  }

  /** The address to bind for a URL host: "localhost" is the loopback address. */
  static String bindHost(String host) {
    return "localhost".equals(host) ? "127.0.0.1" : host;
  }

  RaftServer server() {
    return server;
  }

  RaftServer.Division division() {
    return division;
  }

  RaftGroupId groupId() {
    return groupId;
  }

  /**
   * Replicates and applies one state-changing request.
   *
   * @return the applier's response; fails with {@link EtcdException} or the MVCC error it refused with
   */
  public CompletableFuture<Object> propose(InternalRequest.Builder request) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    long id = waiters.register(f);
    proposer.submit(request.setId(id).build());
    return f;
  }

  /** The Raft configuration and the leader's view of the members, for the cluster layer. */
  public RaftGroupView groupView() {
    return groupView;
  }

  /** Asks member {@code id}, over the peer service, for its HashKV at {@code revision}. */
  public CompletableFuture<io.ketch.api.etcdserverpb.HashKVResponse> peerHashKv(long id, long revision,
      Duration timeout) {
    return peers.call(PeerAddresses.target(clusterId, id), PeerMethods.HASH_KV,
        io.ketch.api.etcdserverpb.HashKVRequest.newBuilder().setRevision(revision).build(), timeout);
  }

  /**
   * One round trip to member {@code id} over the peer service (a leadership question any member
   * answers at once): what the peer round-trip metrics measure.
   */
  public CompletableFuture<Void> probe(long id, Duration timeout) {
    return peers.call(PeerAddresses.target(clusterId, id), PeerMethods.CONFIRM_LEADERSHIP,
        ConfirmLeadershipRequest.getDefaultInstance(), timeout).thenApply(r -> null);
  }

  /** Calls that only the leader answers, from any member. */
  public LeaderCalls leaderCalls() {
    return leaderCalls;
  }

  /** Completes when a linearizable read issued now may be served from the local store. */
  public CompletableFuture<Void> readBarrier() {
    return readBarrier.await().thenApply(index -> null);
  }

  /**
   * One read round: completes with a read index once this member has applied it, so that a read
   * issued before the round began may then be served from the local store. Tried again while there
   * is no leader or it is not ready, until the request timeout.
   *
   * <p>On a follower (or learner) the index comes from the leader over the peer service, and the
   * member then waits until it has applied it. The leader confirms its leadership for every round
   * itself, see {@link #leaderReadIndex()}.
   */
  private CompletableFuture<Long> readIndexRound() {
    CompletableFuture<Long> result = new CompletableFuture<>();
    readAttempt(System.nanoTime() + requestTimeout.toNanos(), result);
    return result;
  }

  private void readAttempt(long deadlineNanos, CompletableFuture<Long> result) {
    CompletableFuture<Long> attempt;
    if (division.getInfo().isLeader()) {
      attempt = leaderReadIndex();
    } else {
      attempt = askLeaderForReadIndex()
          .thenCompose(index -> stateMachine.awaitApplied(index).thenApply(v -> index));
    }
    attempt.whenComplete((index, err) -> {
      if (err == null) {
        result.complete(index);
        return;
      }
      Throwable cause = Replicator.unwrap(err);
      if (!Replicator.retryable(cause)) {
        result.completeExceptionally(toEtcd(cause));
        return;
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        result.completeExceptionally(new EtcdException(leaderId() == 0 ? EtcdError.NO_LEADER : EtcdError.TIMEOUT));
        return;
      }
      timer.schedule(() -> readAttempt(deadlineNanos, result), 20, TimeUnit.MILLISECONDS);
    });
  }

  /**
   * The leader's read index (etcd's ReadIndex): its commit index at the start of the round, once a
   * majority of the voters have confirmed, after that start, that they still follow this leader in
   * this term — then no other leader can have committed anything before the round began. The
   * confirmations are asked over the peer service rather than through Ratis's ReadIndex, which skips
   * its heartbeat round when the commit index has not moved since its last confirmed round, and so
   * let a leader deposed meanwhile (cut off, or paused, while the others elected another and wrote
   * on) serve a stale read (StaleLeaderReadTest). A one-member group needs no confirmation; every
   * leader waits until it is ready (its term's first entry applied), so its commit index covers what
   * earlier leaders committed.
   */
  private CompletableFuture<Long> leaderReadIndex() {
    DivisionInfo info = division.getInfo();
    if (!info.isLeader()) {
      return CompletableFuture.failedFuture(new io.ketch.server.peer.NotLeaderException());
    }
    if (!info.isLeaderReady()) {
      return CompletableFuture.failedFuture(new LeaderNotReadyException(division.getMemberId()));
    }
    long term = info.getCurrentTerm();
    long readIndex = commitIndex();
    List<RaftPeer> voters = new ArrayList<>(division.getRaftConf().getCurrentPeers());
    voters.removeIf(v -> v.getId().equals(server.getId()));
    int needed = (voters.size() + 1) / 2; // with this one, a majority of all voters
    CompletableFuture<Void> confirmed = needed <= 0 ? CompletableFuture.completedFuture(null)
        : confirmations(voters, term, needed);
    return confirmed.thenCompose(v -> stateMachine.awaitApplied(readIndex)).thenApply(v -> readIndex);
  }

  /** Completes once {@code needed} of {@code voters} confirm this leader in {@code term}; fails if they cannot. */
  private CompletableFuture<Void> confirmations(List<RaftPeer> voters, long term, int needed) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger yes = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    ConfirmLeadershipRequest ask = ConfirmLeadershipRequest.newBuilder().setTerm(term).setLeader(memberId).build();
    Duration timeout = Duration.ofMillis(Math.max(200, electionTimeout.toMillis()));
    for (RaftPeer v : voters) {
      peers.call(v.getAddress(), PeerMethods.CONFIRM_LEADERSHIP, ask, timeout).whenComplete((r, err) -> {
        if (err == null && r.getConfirmed() && yes.incrementAndGet() == needed) {
          done.complete(null);
        }
        if (answered.incrementAndGet() == voters.size() && yes.get() < needed) {
          done.completeExceptionally(new io.ketch.server.peer.NotLeaderException());
        }
      });
    }
    return done;
  }

  /** A voter's answer to {@link #confirmations}: it is in that term and follows that leader. */
  private CompletableFuture<ConfirmLeadershipResponse> confirmLeadership(ConfirmLeadershipRequest r) {
    DivisionInfo info = division.getInfo();
    RaftPeerId leader = info.getLeaderId();
    boolean follows = info.getCurrentTerm() == r.getTerm() && leader != null && memberId(leader) == r.getLeader();
    return CompletableFuture.completedFuture(ConfirmLeadershipResponse.newBuilder().setConfirmed(follows).build());
  }

  /**
   * Commit push, on the leader: a follower learns that an entry is committed only from a later
   * entry or heartbeat, and Ratis sends heartbeats at half the election timeout; a write forwarded
   * by a follower (answered once the follower applies it) or a follower's read would wait for it when
   * nothing else is written. So when the leader has applied an entry with requests and nothing has
   * been appended to its log for {@value #COMMIT_PUSH_MILLIS} ms since, it appends an empty entry,
   * which carries the commit index to the followers. Under load later entries carry it and nothing is
   * added. (Ratis's own commit-index metadata entries would do it with one extra entry per commit.)
   */
  private void pushCommit(long appliedIndex) {
    if (!division.getInfo().isLeader() || singleton()) {
      return;
    }
    long lastAtApply = lastIndex();
    timer.schedule(() -> {
      if (division.getInfo().isLeader() && lastIndex() == lastAtApply && commitIndex() >= lastAtApply) {
        // numbered like a proposer's batches, so Ratis's retry cache never takes one for another
        replicator.replicate(InternalBatch.newBuilder().setProposer(pushProposerId).setSeq(pushSeq.incrementAndGet())
            .build());
      }
    }, COMMIT_PUSH_MILLIS, TimeUnit.MILLISECONDS);
  }

  private long lastIndex() {
    var last = division.getRaftLog().getLastEntryTermIndex();
    return last == null ? -1 : last.getIndex();
  }

  /** Whether the configuration has this member as its only voter. */
  private boolean singleton() {
    var conf = division.getRaftConf();
    return conf.getCurrentPeers().size() == 1 && conf.getPreviousPeers().isEmpty();
  }

  /**
   * A read index from the leader (one try; the round tries again). Never served here: a member that
   * became leader meanwhile answers from its own next round instead, in {@link #readAttempt}.
   */
  private CompletableFuture<Long> askLeaderForReadIndex() {
    RaftPeerId leader = division.getInfo().getLeaderId();
    RaftPeer peer = leader == null ? null : division.getRaftConf().getPeer(leader);
    if (peer == null || leader.equals(server.getId())) {
      return CompletableFuture.failedFuture(new io.ketch.server.peer.NotLeaderException());
    }
    return peers.call(peer.getAddress(), PeerMethods.READ_INDEX, ReadIndexRequest.getDefaultInstance(), requestTimeout)
        .thenApply(ReadIndexResponse::getIndex);
  }

  /**
   * Submits a request to this member's Ratis server in-process; completes when Ratis answers it, or
   * fails with the exception of Ratis's reply.
   */
  CompletableFuture<Void> submit(ClientId client, long callId, Message message, RaftClientRequest.Type type) {
    RaftClientRequest req = RaftClientRequest.newBuilder()
        .setClientId(client)
        .setServerId(server.getId())
        .setGroupId(groupId)
        .setCallId(callId)
        .setMessage(message)
        .setType(type)
        .build();
    CompletableFuture<RaftClientReply> reply;
    try {
      reply = server.submitClientRequestAsync(req);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return reply.thenApply(r -> {
      if (!r.isSuccess()) {
        throw new CompletionException(r.getException());
      }
      return null;
    });
  }

  /**
   * The error of a request that timed out: "no leader" when there is none (the minority side of a
   * partition; etcd's own write then fails with a bare "context deadline exceeded"), etcd's "possibly
   * due to previous leader failure" when the leader changed while it waited, else "request timed out".
   */
  EtcdError timeoutError(long leaderAtStart) {
    long now = leaderId();
    if (now == 0) {
      return EtcdError.NO_LEADER;
    }
    return now != leaderAtStart ? EtcdError.TIMEOUT_DUE_TO_LEADER_FAIL : EtcdError.TIMEOUT;
  }

  /** Ratis's failures as the etcd errors a client expects. */
  static EtcdException toEtcd(Throwable t) {
    t = Replicator.unwrap(t);
    if (t instanceof EtcdException e) {
      return e;
    }
    if (t instanceof NotLeaderException || t instanceof LeaderNotReadyException
        || t instanceof LeaderSteppingDownException || t instanceof io.ketch.server.peer.NotLeaderException) {
      return new EtcdException(EtcdError.NO_LEADER);
    }
    if (t instanceof AlreadyClosedException) {
      return new EtcdException(EtcdError.STOPPED);
    }
    if (t instanceof RaftException || t instanceof IOException) {
      LOG.warn("event=raft-request-failed error={}", t.toString());
      return new EtcdException(EtcdError.TIMEOUT);
    }
    LOG.warn("event=raft-request-failed", t);
    return new EtcdException(EtcdError.STOPPED);
  }

  public long memberId() {
    return memberId;
  }

  public long clusterId() {
    return clusterId;
  }

  /** The current Raft term. */
  public long term() {
    return division.getInfo().getCurrentTerm();
  }

  /** The leader's member ID, or 0 when there is none. */
  public long leaderId() {
    RaftPeerId leader = division.getInfo().getLeaderId();
    return leader == null ? 0 : memberId(leader);
  }

  /** Whether this member leads and is ready to serve (its term's first entry is applied). */
  public boolean leading() {
    return division.getInfo().isLeaderReady();
  }

  public long commitIndex() {
    return division.getRaftLog().getLastCommittedIndex();
  }

  /** Completes once this member has applied the log entry at {@code index}. */
  public CompletableFuture<Void> awaitApplied(long index) {
    return stateMachine.awaitApplied(index);
  }

  /** This member's id in Ratis (its group member id's text), as Ratis's metric registries name it. */
  public String raftMemberKey() {
    return division.getMemberId().toString();
  }

  /** Leader changes seen, proposals waiting for their result, proposals failed (etcd's server metrics). */
  public long leaderChanges() {
    return stateMachine.leaderChanges();
  }

  public int pendingProposals() {
    return waiters.pending();
  }

  public long failedProposals() {
    return waiters.failed();
  }

  public long appliedIndex() {
    return stateMachine.getLastAppliedTermIndex().getIndex();
  }

  /** How long a request may wait for its proposal or read (etcd's ReqTimeout). */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Waits until this member knows a leader and has applied the entries committed before it. */
  public void awaitReady(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (System.nanoTime() < deadline) {
      if (leaderId() != 0) {
        try {
          readBarrier().get(2, TimeUnit.SECONDS);
          return;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          // the leader is not ready to serve reads yet; try again
        }
      }
      Thread.sleep(20);
    }
    LOG.warn("event=raft-not-ready-after timeout_ms={}", timeoutMillis);
  }

  @Override
  public void close() throws IOException {
    proposer.close();
    server.close();
    snapshotFetcher.close();
    snapshotSender.close();
    timer.shutdownNow();
    unregisterAddresses.run();
  }
}
