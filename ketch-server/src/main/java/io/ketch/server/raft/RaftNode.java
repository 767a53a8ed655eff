package io.ketch.server.raft;

import io.ketch.api.EtcdError;
import io.ketch.server.apply.Applier;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.cluster.MemberIds;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.proto.InternalBatch;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.storage.Backend;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
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
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's Raft replica, on Apache Ratis: one group per cluster (a single node is a one-member
 * group, on the same write path). State-changing requests are proposed here (batched, see
 * {@link Proposer}) and complete once applied; linearizable reads wait on {@link #readBarrier()}.
 */
public final class RaftNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
  /** One entry in flight: requests arriving meanwhile form the next, larger batch (measured: 24 vs 15 requests per entry at 64 clients, less CPU per put). */
  private static final int MAX_IN_FLIGHT = 1;
  /** Ratis's request timeout; also how long a read waits for a just-elected leader to become ready. */
  private static final long REQUEST_TIMEOUT_MILLIS = 10_000;

  private final long memberId;
  private final long clusterId;
  private final RaftServer server;
  private final RaftServer.Division division;
  private final RaftGroupId groupId;
  private final KetchStateMachine stateMachine;
  private final Waiters waiters;
  private final Proposer proposer;
  private final ReadBarrier readBarrier;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callId = new AtomicLong();

  private RaftNode(ServerConfig cfg, Backend backend, KvStore kv, Applier applier) throws IOException {
    Map<String, List<URI>> members = cfg.initialCluster();
    List<Long> ids = new ArrayList<>();
    List<RaftPeer> peers = new ArrayList<>();
    for (var m : members.entrySet()) {
      long id = MemberIds.memberId(m.getValue(), cfg.initialClusterToken());
      ids.add(id);
      URI u = m.getValue().get(0);
      peers.add(RaftPeer.newBuilder().setId(peerId(id)).setAddress(bindHost(u.getHost()) + ":" + u.getPort()).build());
    }
    this.memberId = MemberIds.memberId(cfg.initialAdvertisePeerUrls(), cfg.initialClusterToken());
    this.clusterId = MemberIds.clusterId(ids);
    this.groupId = RaftGroupId.valueOf(new UUID(clusterId, 0x6b657463685f7261L)); // "ketch_ra"
    RaftGroup group = RaftGroup.valueOf(groupId, peers);

    long proposerId = new SecureRandom().nextLong();
    this.waiters = new Waiters();
    this.stateMachine = new KetchStateMachine(backend, kv, applier, waiters, proposerId);

    Path raftDir = cfg.dataDir().resolve("member").resolve("raft");
    boolean existing = Files.isDirectory(raftDir.resolve(groupId.getUuid().toString()));
    Files.createDirectories(raftDir);
    URI listen = cfg.listenPeerUrls().get(0);
    RaftProperties p = properties(cfg, raftDir, bindHost(listen.getHost()), listen.getPort());
    this.server = RaftServer.newBuilder()
        .setServerId(peerId(memberId))
        .setGroup(group)
        .setStateMachine(stateMachine)
        .setProperties(p)
        .setOption(existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
        .build();
    server.start();
    this.division = server.getDivision(groupId);
    this.proposer = new Proposer(proposerId, MAX_IN_FLIGHT, this::replicate, waiters);
    this.readBarrier = new ReadBarrier(this::readIndexRound);
    LOG.info("event=raft-started member={} cluster={} peers={} recovered={}", MemberIds.hex(memberId),
        MemberIds.hex(clusterId), peers, existing);
  }

  /** Starts this member's replica; its state machine applies to {@code kv} through {@code applier}. */
  public static RaftNode start(ServerConfig cfg, Backend backend, KvStore kv, Applier applier) throws IOException {
    return new RaftNode(cfg, backend, kv, applier);
  }

  private static RaftProperties properties(ServerConfig cfg, Path dir, String host, int port) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setHost(p, host);
    GrpcConfigKeys.Server.setPort(p, port);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("32MB"));
    long election = Math.max(cfg.electionTimeout().toMillis(), 1000);
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(REQUEST_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, false);
    // entries carry whole request batches: let the log and appender hold the largest one
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("9MB"));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("8MB"));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("64MB"));
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false); // ack only after fsync (etcd #14370)
    // Ratis would log an extra entry with the commit index after every commit: a second append (and
    // apply) per write. Raft keeps the commit index volatile; a restarted member learns it from the
    // leader (a single member by committing its first entry of the new term), then applies the rest.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    return p;
  }

  private static RaftPeerId peerId(long memberId) {
    return RaftPeerId.valueOf(MemberIds.hex(memberId));
  }

  /** The address to bind for a URL host: "localhost" is the loopback address. */
  static String bindHost(String host) {
    return "localhost".equals(host) ? "127.0.0.1" : host;
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

  /** Completes when a linearizable read issued now may be served from the local store. */
  public CompletableFuture<Void> readBarrier() {
    return readBarrier.await();
  }

  private CompletableFuture<Void> replicate(InternalBatch batch) {
    return send(Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray())),
        RaftClientRequest.writeRequestType());
  }

  /**
   * One ReadIndex round, which counts only once this member is not a leader still short of ready (its
   * term's first entry applied). Ratis answers a one-member group's ReadIndex with the commit index at
   * once, even in that state, where it still refuses writes; and after a restart that index can lie
   * below acknowledged writes, as the commit index is not persisted. Checked after the round, so a
   * candidate that wins meanwhile is caught too: a ready leader has applied every earlier entry, and
   * the reads released next see at least that. etcd's leader likewise holds ReadIndex until it has
   * committed in its term. Only the round waits (every read waiting shares it).
   */
  private CompletableFuture<Void> readIndexRound() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REQUEST_TIMEOUT_MILLIS);
    return send(Message.EMPTY, RaftClientRequest.readRequestType()).thenCompose(v -> whenNotUnreadyLeader(deadline));
  }

  /** Completes once this member is a follower, a candidate or a ready leader; polls each millisecond. */
  private CompletableFuture<Void> whenNotUnreadyLeader(long deadlineNanos) {
    DivisionInfo info = division.getInfo();
    if (!info.isLeader() || info.isLeaderReady()) {
      return CompletableFuture.completedFuture(null);
    }
    if (System.nanoTime() - deadlineNanos > 0) {
      return CompletableFuture.failedFuture(new EtcdException(EtcdError.TIMEOUT));
    }
    return CompletableFuture.runAsync(() -> {}, CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS))
        .thenCompose(v -> whenNotUnreadyLeader(deadlineNanos));
  }

  private CompletableFuture<Void> send(Message m, RaftClientRequest.Type type) {
    RaftClientRequest req = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(server.getId())
        .setGroupId(groupId)
        .setCallId(callId.incrementAndGet())
        .setMessage(m)
        .setType(type)
        .build();
    CompletableFuture<RaftClientReply> reply;
    try {
      reply = server.submitClientRequestAsync(req);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(toEtcd(e));
    }
    return reply.handle((r, err) -> {
      if (err != null) {
        throw new CompletionException(toEtcd(err));
      }
      if (!r.isSuccess()) {
        throw new CompletionException(toEtcd(r.getException()));
      }
      return null;
    });
  }

  /** Ratis's failures as the etcd errors a client expects. */
  static EtcdException toEtcd(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof EtcdException e) {
      return e;
    }
    if (t instanceof NotLeaderException || t instanceof LeaderNotReadyException
        || t instanceof LeaderSteppingDownException) {
      return new EtcdException(EtcdError.NO_LEADER);
    }
    if (t instanceof AlreadyClosedException) {
      return new EtcdException(EtcdError.STOPPED);
    }
    if (t instanceof RaftException) {
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
    return leader == null ? 0 : Long.parseUnsignedLong(leader.toString(), 16);
  }

  /** Whether this member leads and is ready to serve (its term's first entry is applied). */
  public boolean leading() {
    return division.getInfo().isLeaderReady();
  }

  public long commitIndex() {
    return division.getRaftLog().getLastCommittedIndex();
  }

  public long appliedIndex() {
    return stateMachine.getLastAppliedTermIndex().getIndex();
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
  }
}
