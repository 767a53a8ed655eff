package io.ketch.server.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A member's configuration, from etcd's flags (see {@link Flags} for names, defaults and meaning).
 *
 * @param initialCluster member name to its peer URLs, in flag order
 * @param leaseCheckpointInterval how often remaining lease TTLs are checkpointed; zero: never
 * @param snapshotSendRate bytes per second at most sent of a snapshot to lagging followers; 0: no limit
 * @param clientTls TLS on the client port (disabled unless a client URL is https)
 * @param peerTls TLS between members (disabled without --peer-cert-file)
 * @param authToken simple tokens or JWTs ({@code --auth-token})
 * @param peerTls TLS between members (disabled without --peer-cert-file)
 * @param listenClientHttpUrls etcd 3.5's HTTP-only client URLs (the gateway, probes and metrics move
 *     there from the client URLs); empty: the client URLs serve HTTP too
 * @param listenMetricsUrls where {@code /metrics} and the probes are also served; empty: nowhere else
 * @param authTokenTtl how long a simple token stays valid after its last use
 * @param bcryptCost bcrypt's cost factor for password hashes
 * @param corruptCheckTime how often the leader compares its hash with its followers'; zero: never
 * @param givenFlags the flags set on the command line or in the environment (the others took their
 *     defaults)
 */
public record ServerConfig(
    String name,
    Path dataDir,
    List<URI> listenClientUrls,
    List<URI> advertiseClientUrls,
    List<URI> listenClientHttpUrls,
    List<URI> listenMetricsUrls,
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
    Duration leaseCheckpointInterval,
    boolean strictReconfigCheck,
    int maxLearners,
    long snapshotCount,
    long snapshotCatchUpEntries,
    long snapshotSendRate,
    TlsConfig clientTls,
    TlsConfig peerTls,
    AuthTokenConfig authToken,
    Duration authTokenTtl,
    int bcryptCost,
    boolean initialCorruptCheck,
    Duration corruptCheckTime,
    boolean forceNewCluster,
    boolean enableV2,
    Set<String> givenFlags) {

  /** etcd's default backend quota, used when --quota-backend-bytes is 0. */
  public static final long DEFAULT_QUOTA_BYTES = 2L << 30;

  /** The backend quota in force. */
  public long effectiveQuotaBytes() {
    return quotaBackendBytes > 0 ? quotaBackendBytes : DEFAULT_QUOTA_BYTES;
  }

  /** Whether {@code flag} was set (on the command line or in the environment), not defaulted. */
  public boolean given(String flag) {
    return givenFlags.contains(flag);
  }
}
