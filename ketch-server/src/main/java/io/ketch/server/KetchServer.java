package io.ketch.server;

import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.LeaseCheckpoint;
import io.ketch.api.etcdserverpb.LeaseCheckpointRequest;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.server.alarm.Alarms;
import io.ketch.server.alarm.CorruptionCheck;
import io.ketch.server.api.GrpcServer;
import io.ketch.server.api.Headers;
import io.ketch.server.apply.Applier;
import io.ketch.server.auth.AuthStore;
import io.ketch.server.auth.JwtTokens;
import io.ketch.server.auth.SimpleTokens;
import io.ketch.server.auth.Tokens;
import io.ketch.server.cluster.AttributePublisher;
import io.ketch.server.cluster.Bootstrap;
import io.ketch.server.cluster.ClusterAdmin;
import io.ketch.server.cluster.ForceNewCluster;
import io.ketch.server.cluster.MemberIdentity;
import io.ketch.server.cluster.MemberIds;
import io.ketch.server.cluster.Membership;
import io.ketch.server.cluster.MembershipReconciler;
import io.ketch.server.cluster.SelfRemoval;
import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.fault.FaultGate;
import io.ketch.server.lease.LeaseKeeper;
import io.ketch.server.lease.Lessor;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.peer.PeerClient;
import io.ketch.server.peer.PeerMethods;
import io.ketch.server.peer.PeerService;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.raft.RatisMetricsBridge;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.storage.DataDirGuard;
import io.ketch.server.storage.RocksBackend;
import io.ketch.server.tls.PeerSsl;
import io.ketch.server.watch.WatchableStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Ketch member: backend, MVCC store, Raft replica, membership and client listeners, started in
 * that order and closed in reverse. Embeddable: tests and other projects start one with
 * {@link #start}.
 *
 * <p>Data directory layout: {@code member/identity} (who this member is), {@code member/db}
 * (RocksDB, the backend) and {@code member/raft} (the Ratis log and metadata, and Raft snapshots in
 * its state machine directory, see {@code SnapshotStore}).
 */
public final class KetchServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KetchServer.class);
  /** How often the leader looks for expired leases and due checkpoints (etcd: 500 ms). */
  private static final Duration LEASE_TICK = Duration.ofMillis(500);
  /** How often the leader compares Ratis's configuration with the member table. */
  private static final Duration RECONCILE_EVERY = Duration.ofMillis(200);
  /** How often the data directory is checked to be there and writable. */
  private static final Duration DATA_DIR_CHECK = Duration.ofSeconds(1);
  /** How long a member stopping on a failure waits for its parts to close. */
  private static final Duration FAIL_STOP_WAIT = Duration.ofSeconds(5);
  /** How long a leader waits for a successor when shutting down. */
  private static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(5);

  private final List<AutoCloseable> parts;
  private final RaftNode raft;
  private final Membership membership;
  private final Lessor lessor;
  private final WatchableStore watchable;
  private final GrpcServer grpc;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  /** Why the member stopped itself on a failure (its data directory became unusable), or null. */
  private volatile String failure;

  private KetchServer(List<AutoCloseable> parts, RaftNode raft, Membership membership, Lessor lessor,
      WatchableStore watchable, GrpcServer grpc) {
    this.parts = parts;
    this.raft = raft;
    this.membership = membership;
    this.lessor = lessor;
    this.watchable = watchable;
    this.grpc = grpc;
  }

  /** A member that must not start, with what the operator should do. */
  public static final class StartException extends Exception {
    public StartException(String message) {
      super(message);
    }
  }

  /** Starts a member and returns once it serves clients. */
  public static KetchServer start(ServerConfig cfg) throws IOException, InterruptedException, StartException {
    return start(cfg, null);
  }

  /**
   * Starts a member whose peer traffic, client calls and log flushes pass through {@code faults}
   * (a test harness's fault injection; null: none, as the {@code ketch} command starts it).
   */
  public static KetchServer start(ServerConfig cfg, FaultGate faults)
      throws IOException, InterruptedException, StartException {
    // closed in reverse order on failure or close
    List<AutoCloseable> parts = new ArrayList<>();
    try {
      PeerClient peers;
      try {
        peers = add(parts, new PeerClient(cfg.peerTls().enabled() ? new PeerSsl(cfg.peerTls()).clientContext() : null,
            faults == null ? null : faults::blocks));
      } catch (java.security.GeneralSecurityException | IOException e) {
        throw new StartException("peer TLS: " + e.getMessage());
      }
      Bootstrap.Plan plan = Bootstrap.plan(cfg, peers, clusterId -> RaftNode.storageExists(cfg.dataDir(), clusterId));
      MemberIdentity identity = plan.identity();
      RocksBackend backend = add(parts, RocksBackend.open(cfg.dataDir().resolve("member").resolve("db")));
      if (cfg.forceNewCluster()) {
        plan = ForceNewCluster.prepare(cfg, plan, backend, cfg.dataDir().resolve("member").resolve("raft"));
      }
      Lessor lessor = Lessor.open(backend, System::nanoTime, Lessor.minTtlSeconds(cfg.electionTimeout()),
          cfg.leaseCheckpointInterval());
      KvStore kv = add(parts, KvStore.open(backend, lessor));
      Membership membership = Membership.load(backend, cfg.maxLearners());
      if (membership.isRemoved(identity.memberId())) {
        throw new StartException("the member has been permanently removed from the cluster; the data-dir used by"
            + " this member must be removed (member " + MemberIds.hex(identity.memberId()) + ")");
      }
      AtomicReference<AuthStore> authHolder = new AtomicReference<>();
      Tokens tokens;
      try {
        tokens = cfg.authToken().jwt() ? JwtTokens.of(cfg.authToken(), () -> authHolder.get().revision())
            : new SimpleTokens(cfg.authTokenTtl());
      } catch (java.security.GeneralSecurityException | IOException e) {
        throw new StartException("--auth-token: " + e.getMessage());
      }
      authHolder.set(AuthStore.load(backend, tokens));
      Applier applier = new Applier(kv, lessor, Alarms.load(backend), authHolder.get());
      PeerService peerService = new PeerService();
      if (faults != null) {
        peerService.intercept(faults.peerTraffic());
      }
      RaftNode raft = add(parts, RaftNode.start(cfg, plan, backend, kv, applier, membership, peerService, peers));
      if (faults != null) {
        Runnable undo = RatisMetricsBridge.delayLogFlushes(raft.raftMemberKey(), faults::flushDelayNanos);
        parts.add(undo::run);
      }
      if (MemberIdentity.load(cfg.dataDir()) == null) {
        identity.store(cfg.dataDir());
      }
      ClusterAdmin.Proposals proposals = change -> raft.propose(InternalRequest.newBuilder().setMemberChange(change))
          .thenApply(o -> (Membership.Result) o);
      ClusterAdmin admin = new ClusterAdmin(identity.clusterId(), membership, raft.groupView(), proposals,
          cfg.strictReconfigCheck(), () -> System.currentTimeMillis() / 1000);
      peerService.register(PeerMethods.CLUSTER_INFO, admin::info);
      MembershipReconciler reconciler = add(parts,
          new MembershipReconciler(membership, raft.groupView(), identity, proposals,
              MembershipReconciler.transferTimeout(cfg.electionTimeout())));
      reconciler.start(RECONCILE_EVERY);

      long self = identity.memberId();
      CorruptionCheck corruption = add(parts, new CorruptionCheck(self, kv, new CorruptionCheck.Peers() {
        @Override
        public List<Long> others() {
          return membership.members().stream().map(MemberRecord::getId).filter(id -> id != self).toList();
        }

        @Override
        public CompletableFuture<HashKVResponse> hashKv(long id, long revision, Duration timeout) {
          return raft.peerHashKv(id, revision, timeout);
        }
      }, alarm -> raft.propose(InternalRequest.newBuilder().setAlarm(alarm)), raft::leading));
      peerService.register(PeerMethods.HASH_KV, corruption::answer);

      raft.awaitReady(30_000);
      awaitMemberTable(membership, 30_000);
      if (cfg.initialCorruptCheck()) {
        try {
          corruption.initialCheck();
        } catch (CorruptionCheck.InconsistentException e) {
          throw new StartException(e.getMessage());
        }
      }
      if (!cfg.corruptCheckTime().isZero()) {
        corruption.start(cfg.corruptCheckTime());
      }
      // the keeper and the watch layer close before the listeners (open watch streams end with
      // "server stopped" instead of holding the listeners' shutdown up)
      LeaseKeeper keeper = new LeaseKeeper(lessor, raft::leading, cfg.electionTimeout(), new LeaseKeeper.Proposals() {
        @Override
        public CompletableFuture<?> revoke(long id) {
          return raft.propose(InternalRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)));
        }

        @Override
        public CompletableFuture<?> checkpoint(List<LeaseCheckpoint> checkpoints) {
          return raft.propose(InternalRequest.newBuilder().setLeaseCheckpoint(
              LeaseCheckpointRequest.newBuilder().addAllCheckpoints(checkpoints)));
        }
      });
      Headers headers = new Headers(raft);
      WatchableStore watchable = new WatchableStore(kv, headers::of, cfg.watchProgressNotifyInterval().toMillis(),
          cfg.maxRequestBytes());
      List<GrpcServer.Listener> addresses = new ArrayList<>();
      GrpcServer.Serves clientPort = cfg.listenClientHttpUrls().isEmpty() ? GrpcServer.Serves.GRPC_AND_HTTP
          : GrpcServer.Serves.GRPC; // etcd: the HTTP-only URLs take HTTP off the client URLs
      for (URI u : cfg.listenClientUrls()) {
        addresses.add(listener(u, clientPort));
      }
      for (URI u : cfg.listenClientHttpUrls()) {
        addresses.add(listener(u, GrpcServer.Serves.HTTP));
      }
      for (URI u : cfg.listenMetricsUrls()) {
        addresses.add(listener(u, GrpcServer.Serves.PROBES));
      }
      GrpcServer grpc;
      try {
        grpc = GrpcServer.start(addresses, new GrpcServer.Parts(kv, backend, applier, raft, watchable, keeper,
            membership, admin, cfg, tokens, faults));
      } catch (IOException | RuntimeException e) {
        watchable.close();
        keeper.close();
        throw e;
      }
      parts.add(grpc);
      parts.add(watchable);
      parts.add(keeper);
      keeper.start(LEASE_TICK);
      AttributePublisher publisher = add(parts, new AttributePublisher(membership, identity.memberId(), cfg.name(),
          cfg.advertiseClientUrls().stream().map(URI::toString).toList(), proposals));
      publisher.start();
      KetchServer s = new KetchServer(parts, raft, membership, lessor, watchable, grpc);
      new SelfRemoval(membership, raft.groupView(), s::stopRemoved);
      Path member = cfg.dataDir().resolve("member");
      DataDirGuard guard = add(parts, new DataDirGuard(cfg.dataDir(),
          List.of(member, member.resolve("db"), member.resolve("raft")),
          reason -> new Thread(() -> s.failStop(reason), "ketch-fail-stop").start()));
      guard.start(DATA_DIR_CHECK);
      LOG.info("event=serving name={} member={} cluster={} client={} data_dir={} revision={}", cfg.name(),
          MemberIds.hex(identity.memberId()), MemberIds.hex(identity.clusterId()), grpc.addresses(), cfg.dataDir(),
          kv.currentRevision());
      return s;
    } catch (Bootstrap.BootstrapException e) {
      closeAll(parts);
      throw new StartException(e.getMessage());
    } catch (IOException | InterruptedException | StartException | RuntimeException e) {
      closeAll(parts);
      throw e;
    }
  }

  /**
   * Until the member table is known (a new cluster's leader proposes it once elected; a joining
   * member learns it by catching up): as etcd, MemberList never answers an empty table.
   */
  private static void awaitMemberTable(Membership membership, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (membership.isEmpty()) {
      if (System.nanoTime() > deadline) {
        LOG.warn("event=member-table-unknown-after timeout_ms={}", timeoutMillis);
        return;
      }
      Thread.sleep(10);
    }
  }

  private static <T extends AutoCloseable> T add(List<AutoCloseable> parts, T part) {
    parts.add(part);
    return part;
  }

  /** The bound client addresses. */
  public List<InetSocketAddress> clientAddresses() {
    return grpc.addresses();
  }

  /** The watch layer: watcher, stream and buffer counts for metrics and leak checks. */
  public WatchableStore watchable() {
    return watchable;
  }

  /** The lessor: lease counts for metrics and tests. */
  public Lessor lessor() {
    return lessor;
  }

  /** This member's ID. */
  public long memberId() {
    return raft.memberId();
  }

  /** The member this one knows as leader; 0 while there is none. */
  public long leaderId() {
    return raft.leaderId();
  }

  /**
   * Stops at once, as a crash stops a process: no leadership hand-over, nothing written on the way
   * out beyond what closing the stores does (every acknowledged write is already on disk).
   */
  public void halt() {
    closeNow();
  }

  /** Completes when the member has stopped: closed, or stopped itself after its removal from the cluster. */
  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  private void stopRemoved() {
    closeNow();
  }

  /**
   * Stops at once because the member cannot go on safely; {@link #failure()} then says why. The
   * client listeners close first; a Raft replica whose disk failed may not close in order (Ratis
   * waits for its log worker), so after {@link #FAIL_STOP_WAIT} the member counts as stopped anyway
   * and the process can exit.
   */
  private void failStop(String reason) {
    failure = reason;
    Thread closer = new Thread(this::closeNow, "ketch-fail-close");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(FAIL_STOP_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closer.isAlive()) {
      LOG.warn("event=fail-stop-close-incomplete after_ms={}", FAIL_STOP_WAIT.toMillis());
      stopped.complete(null);
    }
  }

  /** Why the member stopped itself on a failure, if it did (see {@link DataDirGuard}). */
  public java.util.Optional<String> failure() {
    return java.util.Optional.ofNullable(failure);
  }

  /**
   * Stops the member. A leader of a cluster with other voters hands leadership to one of them first
   * (as etcd does on a clean stop), so clients see a leader change instead of an election timeout.
   */
  @Override
  public void close() {
    // the leader hands over even before it has applied its first entry of the term (leading() is
    // false until then): a stop right after an election must not cost the others an election timeout
    if (raft.leaderId() == raft.memberId() && raft.groupView().latestConfiguration().voters().size() > 1) {
      handOver();
    }
    closeNow();
  }

  /**
   * Hands leadership to the most up-to-date voter and waits until this member has stepped down (Ratis
   * completes the transfer only once it hears from the new leader, which a member whose address
   * changed may never do), at most {@link #HANDOVER_TIMEOUT}.
   */
  private static GrpcServer.Listener listener(URI u, GrpcServer.Serves serves) {
    return new GrpcServer.Listener(
        new InetSocketAddress("localhost".equals(u.getHost()) ? "127.0.0.1" : u.getHost(), u.getPort()),
        "https".equals(u.getScheme()), serves);
  }

  private void handOver() {
    long deadline = System.nanoTime() + HANDOVER_TIMEOUT.toNanos();
    CompletableFuture<Void> transfer = raft.groupView().handOver(id -> !membership.isRemoved(id), HANDOVER_TIMEOUT);
    while (System.nanoTime() < deadline && !transfer.isDone()) {
      if (raft.leaderId() != raft.memberId()) {
        LOG.info("event=leadership-handed-over leader={}", MemberIds.hex(raft.leaderId()));
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (transfer.isCompletedExceptionally()) {
      LOG.warn("event=leadership-handover-failed error={}", transfer.handle((v, e) -> String.valueOf(e)).join());
    } else {
      LOG.info("event=leadership-handed-over leader={}", MemberIds.hex(raft.leaderId()));
    }
  }

  private void closeNow() {
    if (!closing.compareAndSet(false, true)) {
      stopped.join();
      return;
    }
    closeAll(parts);
    LOG.info("event=stopped");
    stopped.complete(null);
  }

  private static void closeAll(List<AutoCloseable> parts) {
    for (int i = parts.size() - 1; i >= 0; i--) {
      try {
        parts.get(i).close();
      } catch (Exception e) {
        LOG.warn("event=close-failed part={} error={}", parts.get(i).getClass().getSimpleName(), e.toString());
      }
    }
  }
}
