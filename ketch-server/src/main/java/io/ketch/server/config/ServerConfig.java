package io.ketch.server.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A member's configuration, from etcd's flags (see {@link Flags} for names, defaults and meaning).
 *
 * @param initialCluster member name to its peer URLs, in flag order
 * @param leaseCheckpointInterval how often remaining lease TTLs are checkpointed; zero: never
 */
public record ServerConfig(
    String name,
    Path dataDir,
    List<URI> listenClientUrls,
    List<URI> advertiseClientUrls,
    List<URI> listenPeerUrls,
    List<URI> initialAdvertisePeerUrls,
    Map<String, List<URI>> initialCluster,
    String initialClusterState,
    String initialClusterToken,
    long maxRequestBytes,
    int maxTxnOps,
    long quotaBackendBytes,
    Duration heartbeatInterval,
    Duration electionTimeout,
    Duration watchProgressNotifyInterval,
    Duration leaseCheckpointInterval) {

  /** etcd's default backend quota, used when --quota-backend-bytes is 0. */
  public static final long DEFAULT_QUOTA_BYTES = 2L << 30;

  /** The backend quota in force. */
  public long effectiveQuotaBytes() {
    return quotaBackendBytes > 0 ? quotaBackendBytes : DEFAULT_QUOTA_BYTES;
  }

  /** A copy with other client and peer listeners (tests pick free ports). */
  public ServerConfig withUrls(List<URI> client, List<URI> peer) {
    return new ServerConfig(name, dataDir, client, client, peer, peer, Map.of(name, peer),
        initialClusterState, initialClusterToken, maxRequestBytes, maxTxnOps, quotaBackendBytes,
        heartbeatInterval, electionTimeout, watchProgressNotifyInterval, leaseCheckpointInterval);
  }
}
