package io.ketch.server.raft;

import io.ketch.api.EtcdError;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.cluster.RaftGroupView;
import io.ketch.server.peer.PeerClient;
import io.ketch.server.peer.PeerMethods;
import io.ketch.server.peer.proto.ClusterInfoRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.server.RaftConfiguration;

/**
 * {@link RaftGroupView} on this member's Ratis division.
 *
 * <p>Every future it returns completes on {@code callbacks}, never on the Ratis thread that finished
 * the request: Ratis completes a configuration change on its leader thread while holding the
 * server's lock, and a continuation that calls Ratis again from there (a leadership transfer after
 * a promotion) waits for that lock forever.
 */
final class RatisGroupView implements RaftGroupView {
  private final RaftNode node;
  private final PeerClient peers;
  private final java.util.concurrent.Executor callbacks;
  private final ClientId adminClientId = ClientId.randomId();
  private final AtomicLong adminCallId = new AtomicLong();

  RatisGroupView(RaftNode node, PeerClient peers, java.util.concurrent.Executor callbacks) {
    this.node = node;
    this.peers = peers;
    this.callbacks = callbacks;
  }

  @Override
  public long memberId() {
    return node.memberId();
  }

  @Override
  public boolean running() {
    return node.division().getInfo().isAlive();
  }

  @Override
  public boolean leading() {
    return node.leading();
  }

  @Override
  public Configuration configuration() {
    RaftConfiguration conf = node.division().getRaftConf();
    if (!conf.getPreviousPeers(RaftPeerRole.FOLLOWER).isEmpty()
        || !conf.getPreviousPeers(RaftPeerRole.LISTENER).isEmpty()
        || conf.getLogEntryIndex() > node.commitIndex()) {
      return null; // a change is under way (joint configuration, or not committed yet)
    }
    return new Configuration(ids(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)),
        ids(conf.getCurrentPeers(RaftPeerRole.LISTENER)));
  }

  @Override
  public Configuration latestConfiguration() {
    RaftConfiguration conf = node.division().getRaftConf();
    return new Configuration(ids(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)),
        ids(conf.getCurrentPeers(RaftPeerRole.LISTENER)));
  }

  private static Set<Long> ids(Collection<RaftPeer> peers) {
    Set<Long> out = new LinkedHashSet<>();
    for (RaftPeer p : peers) {
      out.add(RaftNode.memberId(p.getId()));
    }
    return out;
  }

  @Override
  public long lastIndex() {
    return node.division().getRaftLog().getLastEntryTermIndex() == null ? 0
        : node.division().getRaftLog().getLastEntryTermIndex().getIndex();
  }

  @Override
  public Map<Long, Progress> progress() {
    // both lists come from the leader's log appenders, in the same order; a configuration change in
    // between makes them differ, and then the next call is consistent again
    for (int attempt = 0; attempt < 3; attempt++) {
      RoleInfoProto role = node.division().getInfo().getRoleInfoProto();
      long[] match = node.division().getInfo().getFollowerMatchIndices();
      if (!role.hasLeaderInfo() || match == null) {
        return Map.of();
      }
      List<ServerRpcProto> followers = role.getLeaderInfo().getFollowerInfoList();
      if (followers.size() != match.length) {
        continue;
      }
      Map<Long, Progress> out = new HashMap<>();
      for (int i = 0; i < match.length; i++) {
        ServerRpcProto f = followers.get(i);
        long id = RaftNode.memberId(RaftPeerId.valueOf(f.getId().getId()));
        out.put(id, new Progress(match[i], Duration.ofMillis(f.getLastRpcElapsedTimeMs())));
      }
      return out;
    }
    return Map.of();
  }

  /**
   * Compare-and-set against the configuration in force (Ratis's ADD mode drops existing listeners),
   * with every peer reached through {@link PeerAddresses}. A change that times out staging a new
   * peer moves leadership away: Ratis 3.3 then drops the log appenders of peers it counts as not
   * caught up (promoted listeners among them), and only a new leader replicates to them again.
   */
  @Override
  public CompletableFuture<Void> reconfigure(Configuration next) {
    RaftConfiguration now = node.division().getRaftConf();
    SetConfigurationRequest req = new SetConfigurationRequest(adminClientId, node.server().getId(), node.groupId(),
        adminCallId.incrementAndGet(), SetConfigurationRequest.Arguments.newBuilder()
            .setServersInNewConf(peers(next.voters()))
            .setListenersInNewConf(peers(next.listeners()))
            .setServersInCurrentConf(new ArrayList<>(now.getCurrentPeers(RaftPeerRole.FOLLOWER)))
            .setListenersInCurrentConf(new ArrayList<>(now.getCurrentPeers(RaftPeerRole.LISTENER)))
            .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
            .build());
    CompletableFuture<Void> f;
    try {
      f = node.server().setConfigurationAsync(req).thenApplyAsync(RatisGroupView::successOrThrow, callbacks);
    } catch (IOException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.exceptionallyComposeAsync(err -> {
      if (Replicator.unwrap(err) instanceof ReconfigurationTimeoutException && leading()) {
        return handOver(id -> true, Duration.ofSeconds(10)).handle((v, e) -> null)
            .thenCompose(v -> CompletableFuture.failedFuture(err));
      }
      return CompletableFuture.failedFuture(err);
    }, callbacks);
  }

  private List<RaftPeer> peers(Set<Long> ids) {
    List<RaftPeer> out = new ArrayList<>();
    for (long id : ids) {
      out.add(RaftPeer.newBuilder().setId(RaftNode.peerId(id)).setAddress(PeerAddresses.target(node.clusterId(), id))
          .build());
    }
    return out;
  }

  @Override
  public CompletableFuture<Void> transferLeadership(long target, Duration timeout) {
    TransferLeadershipRequest req = new TransferLeadershipRequest(adminClientId, node.server().getId(), node.groupId(),
        adminCallId.incrementAndGet(), RaftNode.peerId(target), timeout.toMillis());
    try {
      return node.server().transferLeadershipAsync(req).thenApplyAsync(RatisGroupView::successOrThrow, callbacks);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Boolean> reachable(String address) {
    return peers.call(address, PeerMethods.CLUSTER_INFO, ClusterInfoRequest.getDefaultInstance(), Duration.ofSeconds(1))
        .handleAsync((r, err) -> err == null, callbacks);
  }

  private static Void successOrThrow(RaftClientReply r) {
    if (!r.isSuccess()) {
      throw new CompletionException(r.getException() != null ? r.getException()
          : new EtcdException(EtcdError.TIMEOUT));
    }
    return null;
  }
}
