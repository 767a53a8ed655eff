package io.ketch.server.cluster;

import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.peer.PeerClient;
import io.ketch.server.peer.PeerMethods;
import io.ketch.server.peer.proto.ClusterInfoRequest;
import io.ketch.server.peer.proto.ClusterInfoResponse;
import io.ketch.server.peer.proto.RaftPeer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides how a member starts, as etcd's server bootstrap does:
 *
 * <ul>
 *   <li>a data directory with an identity: a restart; the bootstrap flags are ignored (the Raft
 *       configuration and the member table come from the member's own log);
 *   <li>{@code --initial-cluster-state new}: a new cluster of the {@code --initial-cluster} members,
 *       with the member and cluster IDs etcd derives from the same flags; refused when a peer already
 *       runs that cluster with this member started (its data was lost: etcd's "has already been
 *       bootstrapped");
 *   <li>{@code --initial-cluster-state existing}: joining a running cluster that added this member
 *       (etcdctl member add): the cluster's ID, this member's ID and the current Raft configuration
 *       are fetched from the peers, and the member starts as a non-voting listener that the leader
 *       brings into the configuration.
 * </ul>
 *
 * <p>Refusals are {@link BootstrapException}s whose messages say what to do.
 */
public final class Bootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

  /** A Raft peer to start with: its member ID and the address its peer port is reached at. */
  public record Peer(long id, String address) {}

  /**
   * How to start.
   *
   * @param identity this member (not yet stored for a first start: store it once Raft storage exists)
   * @param firstStart whether Raft storage must be formatted (with {@code voters} and
   *     {@code listeners}); otherwise Ratis recovers its own configuration
   * @param voters the voting members to format with
   * @param listeners the non-voting members to format with (a joiner lists itself here)
   */
  public record Plan(MemberIdentity identity, boolean firstStart, List<Peer> voters, List<Peer> listeners) {}

  /** A member that must not start, with the reason. */
  public static final class BootstrapException extends Exception {
    public BootstrapException(String message) {
      super(message);
    }
  }

  private Bootstrap() {}

  /**
   * Plans this member's start.
   *
   * @param raftStorageExists whether Ratis storage for the identity's group is already on disk
   *     (a start interrupted before the identity was stored, or a data directory from before
   *     identities were kept)
   */
  public static Plan plan(ServerConfig cfg, PeerClient peers, java.util.function.LongPredicate raftStorageExists)
      throws BootstrapException {
    MemberIdentity stored = MemberIdentity.load(cfg.dataDir());
    if (stored != null) {
      return restart(cfg, stored);
    }
    if (cfg.initialClusterState().equals("existing")) {
      return join(cfg, peers, raftStorageExists);
    }
    return create(cfg, peers, raftStorageExists);
  }

  private static Plan restart(ServerConfig cfg, MemberIdentity id) throws BootstrapException {
    // as etcd: a restart keeps the member's identity whatever the bootstrap flags say (a new --name
    // is published as the member's name), but a token given explicitly that names another cluster is
    // a data dir used by mistake: etcd would carry on as a member of the old cluster
    if (cfg.given("initial-cluster-token") && !id.clusterToken().isEmpty()
        && !id.clusterToken().equals(cfg.initialClusterToken())) {
      throw new BootstrapException("data dir " + cfg.dataDir() + " belongs to cluster " + MemberIds.hex(id.clusterId())
          + " (--initial-cluster-token \"" + id.clusterToken() + "\"), not to a cluster with --initial-cluster-token \""
          + cfg.initialClusterToken() + "\": use an empty --data-dir for a new cluster");
    }
    LOG.info("event=restarting member={} cluster={} name={}", MemberIds.hex(id.memberId()), MemberIds.hex(id.clusterId()),
        id.name());
    return new Plan(id, false, List.of(), List.of());
  }

  private static Plan create(ServerConfig cfg, PeerClient peers, java.util.function.LongPredicate raftStorageExists)
      throws BootstrapException {
    Map<String, List<URI>> initial = cfg.initialCluster();
    List<URI> mine = initial.get(cfg.name());
    if (mine == null) {
      throw new BootstrapException("couldn't find local name \"" + cfg.name() + "\" in the initial cluster configuration");
    }
    if (!urlSet(mine).equals(urlSet(cfg.initialAdvertisePeerUrls()))) {
      throw new BootstrapException("--initial-cluster has " + cfg.name() + "=" + join(mine)
          + " but missing from --initial-advertise-peer-urls=" + join(cfg.initialAdvertisePeerUrls())
          + " (the member's peer URLs must be the same in both)");
    }
    List<Peer> voters = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (var m : initial.entrySet()) {
      for (URI u : m.getValue()) {
        if (!seen.add(u.toString())) {
          throw new BootstrapException("--initial-cluster has duplicate url " + u);
        }
      }
      long id = MemberIds.memberId(m.getValue(), cfg.initialClusterToken());
      ids.add(id);
      voters.add(new Peer(id, address(m.getValue().get(0))));
    }
    long memberId = MemberIds.memberId(mine, cfg.initialClusterToken());
    long clusterId = MemberIds.clusterId(ids);
    MemberIdentity id = new MemberIdentity(clusterId, memberId, cfg.name(), cfg.initialClusterToken(),
        initialClusterFlag(initial));
    if (raftStorageExists.test(clusterId)) {
      LOG.info("event=identity-recovered member={} cluster={}", MemberIds.hex(memberId), MemberIds.hex(clusterId));
      return new Plan(id, false, voters, List.of());
    }
    if (initial.size() > 1) {
      refuseIfBootstrappedElsewhere(cfg, peers, id);
    }
    LOG.info("event=bootstrapping-new-cluster member={} cluster={} members={}", MemberIds.hex(memberId),
        MemberIds.hex(clusterId), initial.keySet());
    return new Plan(id, true, voters, List.of());
  }

  /**
   * etcd's isMemberBootstrapped: a running peer knows this member as started, so its data is gone.
   * Also refused: peers that run another cluster (etcd would start a cluster of its own beside them
   * and log "cluster ID mismatch" forever).
   */
  private static void refuseIfBootstrappedElsewhere(ServerConfig cfg, PeerClient peers, MemberIdentity id)
      throws BootstrapException {
    for (URI u : otherPeerUrls(cfg)) {
      ClusterInfoResponse info;
      try {
        info = peers.call(address(u), PeerMethods.CLUSTER_INFO, ClusterInfoRequest.getDefaultInstance(),
            Duration.ofSeconds(1)).get(2, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        continue; // not up yet: the usual case when a new cluster starts
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (info.getClusterId() != id.clusterId()) {
        if (info.getMembersCount() > 0) {
          throw new BootstrapException("the peer at " + u + " is a member of cluster " + MemberIds.hex(info.getClusterId())
              + ", not of the new cluster " + MemberIds.hex(id.clusterId()) + " these flags describe: to join it, add"
              + " this member (etcdctl member add) and start it with --initial-cluster-state existing; to start a new"
              + " cluster, check --initial-cluster and --initial-cluster-token");
        }
        continue;
      }
      for (MemberRecord m : info.getMembersList()) {
        if (m.getId() == id.memberId() && !m.getClientUrlsList().isEmpty()) {
          throw new BootstrapException("member " + MemberIds.hex(id.memberId()) + " has already been bootstrapped"
              + " (its peers know it as started; its data dir was lost): remove it (etcdctl member remove) and add it"
              + " again (etcdctl member add), then start it with --initial-cluster-state existing");
        }
      }
    }
  }

  private static Plan join(ServerConfig cfg, PeerClient peers, java.util.function.LongPredicate raftStorageExists)
      throws BootstrapException {
    if (!cfg.initialCluster().containsKey(cfg.name())) {
      throw new BootstrapException("couldn't find local name \"" + cfg.name() + "\" in the initial cluster configuration");
    }
    ClusterInfoResponse info = null;
    List<String> failures = new ArrayList<>();
    for (URI u : otherPeerUrls(cfg)) {
      try {
        info = peers.call(address(u), PeerMethods.CLUSTER_INFO, ClusterInfoRequest.getDefaultInstance(), ASK_TIMEOUT)
            .get(ASK_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        break;
      } catch (ExecutionException | TimeoutException e) {
        failures.add(u + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.toString()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BootstrapException("interrupted while asking the cluster for its members");
      }
    }
    if (info == null) {
      throw new BootstrapException("cannot fetch cluster info from peer urls: could not retrieve cluster information"
          + " from the given URLs " + failures);
    }
    validateAgainstCluster(cfg, info);
    Set<String> mine = urlSet(cfg.initialAdvertisePeerUrls());
    MemberRecord self = null;
    for (MemberRecord m : info.getMembersList()) {
      if (Set.copyOf(m.getPeerUrlsList()).equals(mine)) {
        self = m;
      }
    }
    if (self == null) {
      throw new BootstrapException("error validating peerURLs " + describe(info) + ": PeerURLs: no match found for"
          + " this member's --initial-advertise-peer-urls (" + String.join(",", mine) + "): add it first (etcdctl member"
          + " add " + cfg.name() + " --peer-urls=" + String.join(",", mine) + ")");
    }
    boolean resumed = raftStorageExists.test(info.getClusterId());
    if (!resumed && !self.getClientUrlsList().isEmpty()) {
      throw new BootstrapException("member " + MemberIds.hex(self.getId()) + " has already been started with other data"
          + " (the cluster knows it as started): remove it (etcdctl member remove) and add it again");
    }
    MemberIdentity id = new MemberIdentity(info.getClusterId(), self.getId(), cfg.name(), "", "");
    List<Peer> voters = new ArrayList<>();
    for (RaftPeer p : info.getVotersList()) {
      voters.add(new Peer(p.getId(), p.getAddress()));
    }
    List<Peer> listeners = new ArrayList<>();
    for (RaftPeer p : info.getListenersList()) {
      if (p.getId() != self.getId()) {
        listeners.add(new Peer(p.getId(), p.getAddress()));
      }
    }
    listeners.add(new Peer(self.getId(), address(cfg.initialAdvertisePeerUrls().get(0))));
    LOG.info("event=joining-cluster member={} cluster={} voters={} listeners={} resumed={}", MemberIds.hex(self.getId()),
        MemberIds.hex(info.getClusterId()), voters, listeners, resumed);
    return new Plan(id, !resumed, voters, listeners);
  }

  /**
   * etcd's ValidateClusterAndAssignIDs: --initial-cluster must list exactly the cluster's members
   * (as etcdctl member add printed them), each with the peer URLs the cluster has for it.
   */
  private static void validateAgainstCluster(ServerConfig cfg, ClusterInfoResponse info) throws BootstrapException {
    if (cfg.initialCluster().size() != info.getMembersCount()) {
      throw new BootstrapException("error validating peerURLs " + describe(info) + ": member count is unequal"
          + " (--initial-cluster lists " + cfg.initialCluster().size() + ", the cluster has " + info.getMembersCount()
          + ": use the ETCD_INITIAL_CLUSTER that etcdctl member add printed)");
    }
    List<Set<String>> remote = new ArrayList<>();
    for (MemberRecord m : info.getMembersList()) {
      remote.add(Set.copyOf(m.getPeerUrlsList()));
    }
    for (var e : cfg.initialCluster().entrySet()) {
      if (!remote.contains(urlSet(e.getValue()))) {
        throw new BootstrapException("error validating peerURLs " + describe(info) + ": PeerURLs: no match found for"
            + " existing member (" + e.getKey() + ", " + urlSet(e.getValue()) + ")");
      }
    }
  }

  /** The peer URLs of the other members in --initial-cluster. */
  /** The peer URLs of {@code --initial-cluster} other than this member's. */
  public static List<URI> otherPeerUrls(ServerConfig cfg) {
    Set<String> mine = urlSet(cfg.initialAdvertisePeerUrls());
    List<URI> out = new ArrayList<>();
    for (List<URI> urls : cfg.initialCluster().values()) {
      for (URI u : urls) {
        if (!mine.contains(u.toString())) {
          out.add(u);
        }
      }
    }
    return out;
  }

  /** The host:port a peer URL is reached at ("localhost" as the loopback address). */
  public static String address(URI u) {
    return ("localhost".equals(u.getHost()) ? "127.0.0.1" : u.getHost()) + ":" + u.getPort();
  }

  private static Set<String> urlSet(List<URI> urls) {
    return urls.stream().map(URI::toString).collect(Collectors.toSet());
  }

  private static String join(List<URI> urls) {
    return urls.stream().map(URI::toString).collect(Collectors.joining(","));
  }

  private static String initialClusterFlag(Map<String, List<URI>> initial) {
    List<String> parts = new ArrayList<>();
    for (var m : initial.entrySet()) {
      for (URI u : m.getValue()) {
        parts.add(m.getKey() + "=" + u);
      }
    }
    return String.join(",", parts);
  }

  private static String describe(ClusterInfoResponse info) {
    List<String> out = new ArrayList<>();
    for (MemberRecord m : info.getMembersList()) {
      out.add(MemberIds.hex(m.getId()) + "=" + m.getPeerUrlsList());
    }
    return "{ClusterID:" + MemberIds.hex(info.getClusterId()) + " Members:" + out + "}";
  }
}
