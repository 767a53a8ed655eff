package io.ketch.server.api;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.ketch.api.etcdserverpb.AlarmMember;
import io.ketch.api.etcdserverpb.AlarmType;
import io.ketch.api.etcdserverpb.AuthGrpc;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.WatchGrpc;
import io.ketch.api.v3electionpb.ElectionGrpc;
import io.ketch.api.v3lockpb.LockGrpc;
import io.ketch.server.gateway.HealthEndpoints;
import io.ketch.server.metrics.EtcdMetrics;
import io.ketch.server.metrics.PeerProber;
import io.ketch.server.metrics.GrpcServerMetrics;
import io.ketch.server.mvcc.MvccCounters;
import io.grpc.ServiceDescriptor;
import io.ketch.server.gateway.HttpListener;
import io.ketch.server.gateway.HttpPort;
import io.ketch.server.gateway.HttpRouter;
import io.ketch.server.fault.FaultGate;
import io.ketch.server.gateway.JsonGateway;
import io.ketch.server.v2.V2Api;
import io.ketch.server.v2.V2Info;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import io.grpc.protobuf.services.HealthStatusManager;
import io.ketch.server.alarm.Quota;
import io.ketch.server.apply.Applier;
import io.ketch.server.auth.AuthStore;
import io.ketch.server.auth.Authorizer;
import io.ketch.server.auth.FailedLogins;
import io.ketch.server.auth.Passwords;
import io.ketch.server.auth.Tokens;
import io.ketch.server.cluster.ClusterAdmin;
import io.ketch.server.cluster.Membership;
import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.concurrency.Elections;
import io.ketch.server.concurrency.KeyChanges;
import io.ketch.server.concurrency.Locks;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.lease.LeaseKeeper;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.raft.RatisMetricsBridge;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.storage.Backend;
import io.ketch.server.tls.ServerSsl;
import io.ketch.server.watch.WatchableStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client-facing gRPC listeners, with every etcd service. Handlers run on the transport threads
 * (they never block); every call passes the member guard (learners, {@code hasleader}) and then the
 * {@link Authorizer}.
 */
public final class GrpcServer implements AutoCloseable {
  /** etcd allows this much beyond --max-request-bytes for gRPC framing. */
  private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

  /** Netty's buffer leak detector, unless set explicitly (its property takes a level for debugging). */
  private static final String LEAK_DETECTION_PROPERTY = "io.grpc.netty.shaded.io.netty.leakDetection.level";

  static {
    if (System.getProperty(LEAK_DETECTION_PROPERTY) == null) {
      // by default it samples one buffer in 128 with a stack trace: ~1% of a busy server's CPU, for a
      // check of buffers that only gRPC itself allocates and releases
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }

  /** How long a new connection may take to show its protocol (and, for gRPC, finish its handshake). */
  private static final long HANDSHAKE_TIMEOUT_SECONDS = 20;
  /** Who the v2 API's v3 calls run as: with v3 auth on, root may write the v2 tree's keys. */
  private static final String V2_USER = "root";

  private final List<Server> servers = new ArrayList<>();
  private final List<HttpListener> httpListeners = new ArrayList<>();
  private Server gatewayServer;
  /** Probes the other members for etcd's peer metrics. */
  private PeerProber prober;
  /** The v2 API with its in-process server and channel; null without --enable-v2. */
  private V2Api v2;
  private Server v2Server;
  private ManagedChannel v2Channel;
  private Runnable unlistenWal = () -> { };
  private ManagedChannel gatewayChannel;
  private final ExecutorService reads;
  private final ExecutorService recipes;
  private final TransportLoops loops;
  private final NoLeaderMonitor noLeader;
  private final SnapshotStreamer snapshots;
  /** bcrypt for Authenticate, UserAdd and UserChangePassword (tens of ms each). */
  private final ExecutorService hashing = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "ketch-auth-hash");
    t.setDaemon(true);
    return t;
  });

  private GrpcServer(ExecutorService reads, ExecutorService recipes, TransportLoops loops, NoLeaderMonitor noLeader,
      SnapshotStreamer snapshots) {
    this.snapshots = snapshots;
    this.reads = reads;
    this.recipes = recipes;
    this.loops = loops;
    this.noLeader = noLeader;
  }

  /** What the services serve from: this member's layers. */
  public record Parts(KvStore kv, Backend backend, Applier applier, RaftNode raft, WatchableStore watchable,
      LeaseKeeper keeper, Membership membership, ClusterAdmin clusterAdmin, ServerConfig config, Tokens tokens,
      FaultGate faults) {}

  /** A client listener: where, whether it serves TLS ({@code https://}), and what. */
  public record Listener(InetSocketAddress address, boolean tls, Serves serves) {}

  /** What a client listener serves. */
  public enum Serves {
    /** gRPC and HTTP/1.1 (the gateway, probes, metrics) on one port: --listen-client-urls. */
    GRPC_AND_HTTP,
    /** gRPC only: --listen-client-urls when --listen-client-http-urls is given. */
    GRPC,
    /** HTTP only: --listen-client-http-urls. */
    HTTP,
    /** /metrics and the probes: --listen-metrics-urls. */
    PROBES
  }

  /** Binds every address and starts serving. */
  public static GrpcServer start(List<Listener> listeners, Parts parts) throws IOException {
    KvStore kv = parts.kv();
    RaftNode raft = parts.raft();
    ServerConfig cfg = parts.config();
    long maxRequestBytes = cfg.maxRequestBytes();
    AtomicInteger n = new AtomicInteger();
    ExecutorService reads = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
      Thread t = new Thread(r, "ketch-read-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    TransportLoops loops = new TransportLoops(2 * Runtime.getRuntime().availableProcessors());
    ExecutorService recipes = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "ketch-recipes");
      t.setDaemon(true);
      return t;
    });
    NoLeaderMonitor noLeader = new NoLeaderMonitor(() -> raft.leaderId() != 0, cfg.electionTimeout());
    // backups are checkpoints beside the database (hard links need the same file system)
    SnapshotStreamer snapshots = new SnapshotStreamer(parts.backend(),
        cfg.dataDir().resolve("member").resolve("backup-scratch"));
    GrpcServer g = new GrpcServer(reads, recipes, loops, noLeader, snapshots);
    Headers headers = new Headers(raft);
    KeyChanges changes = new KeyChanges(recipes);
    kv.addEventSink(changes);
    LocalKvClient local = new LocalKvClient(kv, parts.applier(), raft, headers, reads);
    LockService lock = new LockService(new Locks(local, changes), parts.applier().permissions());
    ElectionService election = new ElectionService(new Elections(local, changes, recipes),
        parts.applier().permissions());
    Quota quota = new Quota(cfg.quotaBackendBytes(), ServerConfig.DEFAULT_QUOTA_BYTES, parts.backend()::sizeOnDisk,
        raft.memberId(), alarm -> raft.propose(InternalRequest.newBuilder().setAlarm(alarm)));
    KvService kvService = new KvService(kv, parts.applier(), raft, headers, cfg.maxTxnOps(), maxRequestBytes, reads,
        loops, quota, parts.applier().permissions());
    AuthStore auth = parts.applier().auth();
    Authorizer authorizer = new Authorizer(auth, parts.tokens(), raft::appliedIndex, raft::awaitApplied, reads,
        cfg.clientTls().clientCertAuth());
    SslContext ssl = null;
    if (cfg.clientTls().enabled()) {
      try {
        ssl = ServerSsl.context(cfg.clientTls());
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException("client TLS: " + e.getMessage(), e);
      }
    }
    AuthService authService = new AuthService(raft, kv, headers, auth, parts.tokens(),
        new Passwords(cfg.bcryptCost()), new FailedLogins(), g.hashing);
    MaintenanceService maintenance = new MaintenanceService(kv, parts.backend(), raft, headers,
        cfg.effectiveQuotaBytes(), parts.membership(), parts.applier().alarms(), reads, snapshots);
    MemberGuard guard = new MemberGuard(() -> raft.leaderId() != 0, () -> {
      MemberRecord self = parts.membership().member(raft.memberId());
      return self != null && self.getIsLearner();
    });
    HealthStatusManager health = new HealthStatusManager();
    WatchService watchService = new WatchService(parts.watchable(), loops, noLeader, parts.applier().permissions());
    List<BindableService> services = List.of(kvService, maintenance, watchService,
        new LeaseService(kv, raft, parts.keeper(), headers, quota, parts.applier().permissions()),
        new ClusterService(raft, parts.membership(), parts.clusterAdmin(), headers),
        authService, lock, election);
    List<ServiceDescriptor> descriptors = List.of(KVGrpc.getServiceDescriptor(), WatchGrpc.getServiceDescriptor(),
        LeaseGrpc.getServiceDescriptor(), ClusterGrpc.getServiceDescriptor(), MaintenanceGrpc.getServiceDescriptor(),
        AuthGrpc.getServiceDescriptor(), LockGrpc.getServiceDescriptor(), ElectionGrpc.getServiceDescriptor());
    GrpcServerMetrics grpcMetrics = new GrpcServerMetrics(descriptors);
    try {
      // etcd's JSON gateway calls the same services, through the same interceptors, in-process
      String gatewayName = "ketch-gateway-" + UUID.randomUUID();
      InProcessServerBuilder inProcess = InProcessServerBuilder.forName(gatewayName).directExecutor();
      if (parts.faults() != null) {
        inProcess.intercept(parts.faults().clientCalls());
      }
      inProcess.intercept(authorizer)
          .intercept(guard)
          .intercept(grpcMetrics);
      services.forEach(inProcess::addService);
      g.gatewayServer = inProcess.build().start();
      g.gatewayChannel = InProcessChannelBuilder.forName(gatewayName).directExecutor().build();
      EtcdMetrics metrics = new EtcdMetrics(memberMetrics(parts), grpcMetrics);
      parts.backend().onCommit(metrics.backendCommits());
      g.prober = new PeerProber(raft::memberId, () -> parts.membership().members().stream()
          .map(MemberRecord::getId).toList(), raft::probe, metrics.peers(raft.memberId()));
      g.unlistenWal = RatisMetricsBridge.onLogFlush(raft.raftMemberKey(), metrics.walFsyncs());
      if (cfg.enableV2()) {
        // the v2 API calls the KV and Watch services as a trusted caller (v3 auth does not guard it)
        String v2Name = "ketch-v2-" + UUID.randomUUID();
        g.v2Server = InProcessServerBuilder.forName(v2Name).directExecutor()
            .intercept(Authorizer.trusted(V2_USER))
            .intercept(guard)
            .addService(kvService)
            .addService(watchService)
            .build().start();
        g.v2Channel = InProcessChannelBuilder.forName(v2Name).directExecutor().build();
        g.v2 = new V2Api(g.v2Channel, v2Info(parts, cfg));
      }
      HttpRouter router = new HttpRouter(new HealthEndpoints(memberHealth(parts)),
          new JsonGateway(descriptors, g.gatewayChannel), metrics, g.v2);
      int maxHttpBody = (int) Math.min(Integer.MAX_VALUE, maxRequestBytes + GRPC_OVERHEAD_BYTES);
      for (Listener listener : listeners) {
        SslContext listenerSsl = listener.tls() ? ssl : null;
        if (listener.serves() == Serves.HTTP || listener.serves() == Serves.PROBES) {
          g.httpListeners.add(HttpListener.bind(listener.address(), listenerSsl,
              listener.serves() == Serves.HTTP ? router : router.probesOnly(), maxHttpBody, loops.boss(),
              loops.workers(), loops.channelType()));
          continue;
        }
        NettyServerBuilder b = listener.serves() == Serves.GRPC_AND_HTTP
            ? NettyServerBuilder.forAddress(listener.address(), HttpPort.credentials(listenerSsl, router, maxHttpBody))
            : NettyServerBuilder.forAddress(listener.address());
        if (listener.serves() == Serves.GRPC && listenerSsl != null) {
          b.sslContext(listenerSsl);
        }
        b.bossEventLoopGroup(loops.boss())
            .workerEventLoopGroup(loops.workers())
            .channelType(loops.channelType())
            .directExecutor()
            .handshakeTimeout(HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .maxInboundMessageSize(maxHttpBody)
            .permitKeepAliveTime(1, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .intercept(authorizer)
            .intercept(guard)
            .intercept(grpcMetrics); // outermost: every call counts, refused ones too
        if (parts.faults() != null) {
          b.intercept(parts.faults().clientCalls()); // outside even the metrics: a paused member counts nothing
        }
        services.forEach(b::addService);
        Server s = b.addService(health.getHealthService())
            .build()
            .start();
        g.servers.add(s);
      }
    } catch (IOException e) {
      g.close();
      throw e;
    }
    return g;
  }

  /** What etcd's metrics are read from. */
  private static EtcdMetrics.Member memberMetrics(Parts parts) {
    RaftNode raft = parts.raft();
    KvStore kv = parts.kv();
    return new EtcdMetrics.Member() {
      @Override
      public boolean hasLeader() {
        return raft.leaderId() != 0;
      }

      @Override
      public boolean isLeader() {
        return raft.leading();
      }

      @Override
      public long leaderChanges() {
        return raft.leaderChanges();
      }

      @Override
      public long committedIndex() {
        return raft.commitIndex();
      }

      @Override
      public long appliedIndex() {
        return raft.appliedIndex();
      }

      @Override
      public int pendingProposals() {
        return raft.pendingProposals();
      }

      @Override
      public long failedProposals() {
        return raft.failedProposals();
      }

      @Override
      public long dbSizeBytes() {
        return parts.backend().sizeOnDisk();
      }

      @Override
      public long dbSizeInUseBytes() {
        return parts.backend().sizeInUse();
      }

      @Override
      public long currentRevision() {
        return kv.currentRevision();
      }

      @Override
      public long compactRevision() {
        return kv.compactRevision();
      }

      @Override
      public long keys() {
        return kv.keyCount();
      }

      @Override
      public MvccCounters mvcc() {
        return kv.counters();
      }

      @Override
      public int watchers() {
        return parts.watchable().watcherCount();
      }

      @Override
      public int watchStreams() {
        return parts.watchable().streamCount();
      }

      @Override
      public int slowWatchers() {
        return parts.watchable().victimCount();
      }
    };
  }

  /** What the v2 API tells about the member and the cluster. */
  private static V2Info v2Info(Parts parts, ServerConfig cfg) {
    RaftNode raft = parts.raft();
    long start = System.currentTimeMillis() * 1_000_000L;
    return new V2Info() {
      /** The leader last seen (none yet: the first one seen counts from the start). */
      private long leaderSeen = -1;
      private long leaderSince = start;

      @Override
      public long clusterId() {
        return raft.clusterId();
      }

      @Override
      public long memberId() {
        return raft.memberId();
      }

      @Override
      public String name() {
        return cfg.name();
      }

      @Override
      public long leaderId() {
        return raft.leaderId();
      }

      @Override
      public long raftIndex() {
        return raft.appliedIndex();
      }

      @Override
      public long raftTerm() {
        return raft.term();
      }

      @Override
      public long startNanos() {
        return start;
      }

      @Override
      public synchronized long leaderSinceNanos() {
        long leader = raft.leaderId();
        if (leader != leaderSeen) {
          if (leaderSeen != -1) {
            leaderSince = System.currentTimeMillis() * 1_000_000L;
          }
          leaderSeen = leader;
        }
        return leaderSince;
      }

      @Override
      public List<V2Info.Member> members() {
        return parts.membership().members().stream().map(m -> new V2Info.Member(m.getId(), m.getName(),
            m.getPeerUrlsList(), m.getClientUrlsList())).toList();
      }
    };
  }

  /** What etcd's probes look at (/health, /livez, /readyz). */
  private static HealthEndpoints.Member memberHealth(Parts parts) {
    RaftNode raft = parts.raft();
    return new HealthEndpoints.Member() {
      @Override
      public List<AlarmType> alarms() {
        return parts.applier().alarms().list(AlarmType.NONE).stream().map(AlarmMember::getAlarm).toList();
      }

      @Override
      public boolean hasLeader() {
        return raft.leaderId() != 0;
      }

      @Override
      public boolean isLearner() {
        MemberRecord self = parts.membership().member(raft.memberId());
        return self != null && self.getIsLearner();
      }

      @Override
      public CompletableFuture<Void> read(boolean serializable) {
        return serializable ? CompletableFuture.completedFuture(null) : raft.readBarrier();
      }
    };
  }

  /** The bound addresses (ports resolved), in listen order. */
  public List<InetSocketAddress> addresses() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (Server s : servers) {
      out.add((InetSocketAddress) s.getListenSockets().get(0));
    }
    return out;
  }

  @Override
  public void close() {
    unlistenWal.run();
    if (prober != null) {
      prober.close();
    }
    httpListeners.forEach(HttpListener::close);
    if (v2 != null) {
      v2.close();
      v2Channel.shutdownNow();
      v2Server.shutdownNow();
    }
    if (gatewayChannel != null) {
      gatewayChannel.shutdownNow();
    }
    if (gatewayServer != null) {
      gatewayServer.shutdownNow();
    }
    for (Server s : servers) {
      s.shutdown();
    }
    for (Server s : servers) {
      try {
        if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
          s.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.shutdownNow();
      }
    }
    noLeader.close();
    snapshots.close();
    hashing.shutdownNow();
    reads.shutdownNow();
    recipes.shutdownNow();
    loops.close();
  }
}
