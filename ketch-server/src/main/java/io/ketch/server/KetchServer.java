package io.ketch.server;

import io.ketch.server.api.GrpcServer;
import io.ketch.server.api.Headers;
import io.ketch.server.apply.Applier;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.storage.RocksBackend;
import io.ketch.server.watch.WatchableStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
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

  private final RocksBackend backend;
  private final KvStore kv;
  private final RaftNode raft;
  private final WatchableStore watchable;
  private final GrpcServer grpc;

  private KetchServer(RocksBackend backend, KvStore kv, RaftNode raft, WatchableStore watchable, GrpcServer grpc) {
    this.backend = backend;
    this.kv = kv;
    this.raft = raft;
    this.watchable = watchable;
    this.grpc = grpc;
  }

  /** Starts a member and returns once it serves clients. */
  public static KetchServer start(ServerConfig cfg) throws IOException, InterruptedException {
    RocksBackend backend = RocksBackend.open(cfg.dataDir().resolve("member").resolve("db"));
    KvStore kv = null;
    RaftNode raft = null;
    WatchableStore watchable = null;
    try {
      kv = KvStore.open(backend);
      // No lease can exist until the Lease service is built, so every lease ID is unknown.
      Applier applier = new Applier(kv, leaseId -> false);
      raft = RaftNode.start(cfg, backend, kv, applier);
      raft.awaitReady(30_000);
      Headers headers = new Headers(raft);
      watchable = new WatchableStore(kv, headers::of, cfg.watchProgressNotifyInterval().toMillis(),
          cfg.maxRequestBytes());
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (URI u : cfg.listenClientUrls()) {
        addresses.add(new InetSocketAddress("localhost".equals(u.getHost()) ? "127.0.0.1" : u.getHost(), u.getPort()));
      }
      GrpcServer grpc = GrpcServer.start(addresses, kv, backend, applier, raft, watchable, cfg.maxTxnOps(), cfg.maxRequestBytes(),
          cfg.effectiveQuotaBytes());
      KetchServer s = new KetchServer(backend, kv, raft, watchable, grpc);
      LOG.info("event=serving name={} client={} data_dir={} revision={}", cfg.name(), grpc.addresses(), cfg.dataDir(),
          kv.currentRevision());
      return s;
    } catch (IOException | InterruptedException | RuntimeException e) {
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

  @Override
  public void close() {
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
