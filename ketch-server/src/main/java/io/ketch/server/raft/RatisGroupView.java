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
import java.util.LinkedHashMap;
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
import org.apache.ratis.server.RaftConfiguration;

/** {@link RaftGroupView} on this member's Ratis division. */
final class RatisGroupView implements RaftGroupView {
  private final RaftNode node;
  private final PeerClient peers;
  private final ClientId adminClientId = ClientId.randomId();
  private final AtomicLong adminCallId = new AtomicLong();

  RatisGroupView(RaftNode node, PeerClient peers) {
    this.node = node;
    this.peers = peers;
  }

  @Override
  public long memberId() {
    return node.memberId();
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
    return new Configuration(addresses(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)),
        addresses(conf.getCurrentPeers(RaftPeerRole.LISTENER)));
  }

  @Override
  public Configuration latestConfiguration() {
    RaftConfiguration conf = node.division().getRaftConf();
    return new Configuration(addresses(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)),
        addresses(conf.getCurrentPeers(RaftPeerRole.LISTENER)));
  }

  private static Map<Long, String> addresses(Collection<RaftPeer> peers) {
    Map<Long, String> out = new LinkedHashMap<>();
    for (RaftPeer p : peers) {
      out.put(RaftNode.memberId(p.getId()), p.getAddress());
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

  @Override
  public CompletableFuture<Void> reconfigure(Configuration next) {
    List<RaftPeer> voters = new ArrayList<>();
    next.voters().forEach((id, address) -> voters.add(peer(id, address)));
    List<RaftPeer> listeners = new ArrayList<>();
    next.listeners().forEach((id, address) -> listeners.add(peer(id, address)));
    SetConfigurationRequest req = new SetConfigurationRequest(adminClientId, node.server().getId(), node.groupId(),
        adminCallId.incrementAndGet(), SetConfigurationRequest.Arguments.newBuilder()
            .setServersInNewConf(voters)
            .setListenersInNewConf(listeners)
            .setMode(SetConfigurationRequest.Mode.SET_UNCONDITIONALLY)
            .build());
    try {
      return node.server().setConfigurationAsync(req).thenApply(RatisGroupView::successOrThrow);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Void> transferLeadership(long target, Duration timeout) {
    TransferLeadershipRequest req = new TransferLeadershipRequest(adminClientId, node.server().getId(), node.groupId(),
        adminCallId.incrementAndGet(), RaftNode.peerId(target), timeout.toMillis());
    try {
      return node.server().transferLeadershipAsync(req).thenApply(RatisGroupView::successOrThrow);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Boolean> reachable(String address) {
    return peers.call(address, PeerMethods.CLUSTER_INFO, ClusterInfoRequest.getDefaultInstance(), Duration.ofSeconds(1))
        .handle((r, err) -> err == null);
  }

  private static RaftPeer peer(long id, String address) {
    return RaftPeer.newBuilder().setId(RaftNode.peerId(id)).setAddress(address).build();
  }

  private static Void successOrThrow(RaftClientReply r) {
    if (!r.isSuccess()) {
      throw new CompletionException(r.getException() != null ? r.getException()
          : new EtcdException(EtcdError.TIMEOUT));
    }
    return null;
  }
}
