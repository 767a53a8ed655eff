package io.ketch.server.api;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector;
import io.grpc.protobuf.services.HealthStatusManager;
import io.ketch.api.etcdserverpb.AuthGrpc;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.server.apply.Applier;
import io.ketch.server.concurrency.Elections;
import io.ketch.server.concurrency.KeyChanges;
import io.ketch.server.concurrency.Locks;
import io.ketch.server.lease.LeaseKeeper;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.storage.Backend;
import io.ketch.server.watch.WatchableStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client-facing gRPC listeners. Every etcd service is registered; those not built yet (Cluster,
 * Auth) answer UNIMPLEMENTED, never a made-up success. Handlers run
 * on the transport threads (they never block).
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

  private final List<Server> servers = new ArrayList<>();
  private final ExecutorService reads;
  private final ExecutorService recipes;
  private final TransportLoops loops;

  private GrpcServer(ExecutorService reads, ExecutorService recipes, TransportLoops loops) {
    this.reads = reads;
    this.recipes = recipes;
    this.loops = loops;
  }

  /** Binds every address and starts serving. */
  public static GrpcServer start(List<InetSocketAddress> addresses, KvStore kv, Backend backend, Applier applier,
      RaftNode raft, WatchableStore watchable, LeaseKeeper keeper, int maxTxnOps, long maxRequestBytes, long quotaBytes)
      throws IOException {
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
    GrpcServer g = new GrpcServer(reads, recipes, loops);
    Headers headers = new Headers(raft);
    KeyChanges changes = new KeyChanges(recipes);
    kv.addEventSink(changes);
    LocalKvClient local = new LocalKvClient(kv, applier, raft, headers, reads);
    LockService lock = new LockService(new Locks(local, changes));
    ElectionService election = new ElectionService(new Elections(local, changes, recipes));
    KvService kvService = new KvService(kv, applier, raft, headers, maxTxnOps, maxRequestBytes, reads, loops);
    MaintenanceService maintenance = new MaintenanceService(kv, backend, raft, headers, quotaBytes);
    HealthStatusManager health = new HealthStatusManager();
    try {
      for (InetSocketAddress address : addresses) {
        Server s = NettyServerBuilder.forAddress(address)
            .bossEventLoopGroup(loops.boss())
            .workerEventLoopGroup(loops.workers())
            .channelType(loops.channelType())
            .directExecutor()
            .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxRequestBytes + GRPC_OVERHEAD_BYTES))
            .permitKeepAliveTime(1, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .addService(kvService)
            .addService(maintenance)
            .addService(new WatchService(watchable, loops))
            .addService(new LeaseService(kv, raft, keeper, headers))
            .addService(new ClusterGrpc.ClusterImplBase() {})
            .addService(new AuthGrpc.AuthImplBase() {})
            .addService(lock)
            .addService(election)
            .addService(health.getHealthService())
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
    reads.shutdownNow();
    recipes.shutdownNow();
    loops.close();
  }
}
