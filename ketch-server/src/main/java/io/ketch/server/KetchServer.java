package io.ketch.server;

import io.ketch.api.etcdserverpb.LeaseCheckpoint;
import io.ketch.api.etcdserverpb.LeaseCheckpointRequest;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.server.api.GrpcServer;
import io.ketch.server.api.Headers;
import io.ketch.server.apply.Applier;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.lease.LeaseKeeper;
import io.ketch.server.lease.Lessor;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.storage.RocksBackend;
import io.ketch.server.watch.WatchableStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Ketch member: backend, MVCC store, Raft replica and client listeners, started in that order
 * and closed in reverse. Embeddable: tests and other projects start one with {@link #start}.
 *
 * <p>Data directory layout: {@code member/db} (RocksDB, the backend) and {@code member/raft} (the
 * Ratis log and metadata).
 */
public final class KetchServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KetchServer.class);
  /** How often the leader looks for expired leases and due checkpoints (etcd: 500 ms). */
  private static final Duration LEASE_TICK = Duration.ofMillis(500);

  private final RocksBackend backend;
  private final KvStore kv;
  private final RaftNode raft;
  private final Lessor lessor;
  private final LeaseKeeper keeper;
  private final WatchableStore watchable;
  private final GrpcServer grpc;

  private KetchServer(RocksBackend backend, KvStore kv, RaftNode raft, Lessor lessor, LeaseKeeper keeper,
      WatchableStore watchable, GrpcServer grpc) {
    this.backend = backend;
    this.kv = kv;
    this.raft = raft;
    this.lessor = lessor;
    this.keeper = keeper;
    this.watchable = watchable;
    this.grpc = grpc;
  }

  /** Starts a member and returns once it serves clients. */
  public static KetchServer start(ServerConfig cfg) throws IOException, InterruptedException {
    RocksBackend backend = RocksBackend.open(cfg.dataDir().resolve("member").resolve("db"));
    KvStore kv = null;
    RaftNode raft = null;
    LeaseKeeper keeper = null;
    WatchableStore watchable = null;
    try {
      Lessor lessor = Lessor.open(backend, System::nanoTime, Lessor.minTtlSeconds(cfg.electionTimeout()),
          cfg.leaseCheckpointInterval());
      kv = KvStore.open(backend, lessor);
      Applier applier = new Applier(kv, lessor);
      raft = RaftNode.start(cfg, backend, kv, applier);
      raft.awaitReady(30_000);
      RaftNode r = raft;
      keeper = new LeaseKeeper(lessor, raft::leading, new LeaseKeeper.Proposals() {
        @Override
        public CompletableFuture<?> revoke(long id) {
          return r.propose(InternalRequest.newBuilder().setLeaseRevoke(
              LeaseRevokeRequest.newBuilder().setID(id)));
        }

        @Override
        public CompletableFuture<?> checkpoint(
            List<LeaseCheckpoint> checkpoints) {
          return r.propose(InternalRequest.newBuilder().setLeaseCheckpoint(
              LeaseCheckpointRequest.newBuilder().addAllCheckpoints(checkpoints)));
        }
      });
      keeper.start(LEASE_TICK);
      Headers headers = new Headers(raft);
      watchable = new WatchableStore(kv, headers::of, cfg.watchProgressNotifyInterval().toMillis(),
          cfg.maxRequestBytes());
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (URI u : cfg.listenClientUrls()) {
        addresses.add(new InetSocketAddress("localhost".equals(u.getHost()) ? "127.0.0.1" : u.getHost(), u.getPort()));
      }
      GrpcServer grpc = GrpcServer.start(addresses, kv, backend, applier, raft, watchable, keeper, cfg.maxTxnOps(),
          cfg.maxRequestBytes(), cfg.effectiveQuotaBytes());
      KetchServer s = new KetchServer(backend, kv, raft, lessor, keeper, watchable, grpc);
      LOG.info("event=serving name={} client={} data_dir={} revision={}", cfg.name(), grpc.addresses(), cfg.dataDir(),
          kv.currentRevision());
      return s;
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (keeper != null) {
        keeper.close();
      }
      if (watchable != null) {
        watchable.close();
      }
      if (raft != null) {
        raft.close();
      }
      if (kv != null) {
        kv.close();
      }
      backend.close();
      throw e;
    }
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

  @Override
  public void close() {
    keeper.close();
    watchable.close();
    grpc.close();
    try {
      raft.close();
    } catch (IOException e) {
      LOG.warn("event=raft-close-failed error={}", e.toString());
    }
    kv.close();
    backend.close();
    LOG.info("event=stopped");
  }
}
