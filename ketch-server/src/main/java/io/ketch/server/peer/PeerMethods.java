package io.ketch.server.peer;

import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.ketch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.ketch.api.etcdserverpb.LeaseLeasesRequest;
import io.ketch.api.etcdserverpb.LeaseLeasesResponse;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketch.api.etcdserverpb.MemberAddRequest;
import io.ketch.api.etcdserverpb.MemberAddResponse;
import io.ketch.api.etcdserverpb.MemberPromoteRequest;
import io.ketch.api.etcdserverpb.MemberPromoteResponse;
import io.ketch.api.etcdserverpb.MemberRemoveRequest;
import io.ketch.api.etcdserverpb.MemberRemoveResponse;
import io.ketch.api.etcdserverpb.MemberUpdateRequest;
import io.ketch.api.etcdserverpb.MemberUpdateResponse;
import io.ketch.server.peer.proto.ClusterInfoRequest;
import io.ketch.server.peer.proto.ClusterInfoResponse;
import io.ketch.server.peer.proto.ConfirmLeadershipRequest;
import io.ketch.server.peer.proto.ConfirmLeadershipResponse;
import io.ketch.server.peer.proto.ProposeRequest;
import io.ketch.server.peer.proto.ProposeResponse;
import io.ketch.server.peer.proto.ReadIndexRequest;
import io.ketch.server.peer.proto.ReadIndexResponse;
import io.ketch.server.peer.proto.SnapshotChunkRequest;
import io.ketch.server.peer.proto.SnapshotChunkResponse;
import io.ketch.server.peer.proto.SnapshotManifestRequest;
import io.ketch.server.peer.proto.SnapshotManifestResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The peer service's methods (etcd serves the same over its peer HTTP handlers): what a member
 * forwards to the leader, and what a joining member asks.
 */
public final class PeerMethods {
  private PeerMethods() {}

  /** Append a batch of client requests (leader only). Streamed: a follower sends one per round. */
  public static final PeerMethod<ProposeRequest, ProposeResponse> PROPOSE =
      new PeerMethod<>("Propose", ProposeRequest.parser(), ProposeResponse.parser(), true);

  /** A read index confirmed by the leader (leader only). Streamed, as the next: one per read round. */
  public static final PeerMethod<ReadIndexRequest, ReadIndexResponse> READ_INDEX =
      new PeerMethod<>("ReadIndex", ReadIndexRequest.parser(), ReadIndexResponse.parser(), true);

  /** Whether a voter still follows the leader of a term (any member answers). */
  public static final PeerMethod<ConfirmLeadershipRequest, ConfirmLeadershipResponse> CONFIRM_LEADERSHIP =
      new PeerMethod<>("ConfirmLeadership", ConfirmLeadershipRequest.parser(), ConfirmLeadershipResponse.parser(),
          true);

  /** Renew a lease (leader only: it runs the countdowns). */
  public static final PeerMethod<LeaseKeepAliveRequest, LeaseKeepAliveResponse> LEASE_RENEW =
      new PeerMethod<>("LeaseRenew", LeaseKeepAliveRequest.parser(), LeaseKeepAliveResponse.parser());

  public static final PeerMethod<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse> LEASE_TIME_TO_LIVE =
      new PeerMethod<>("LeaseTimeToLive", LeaseTimeToLiveRequest.parser(), LeaseTimeToLiveResponse.parser());

  public static final PeerMethod<LeaseLeasesRequest, LeaseLeasesResponse> LEASE_LEASES =
      new PeerMethod<>("LeaseLeases", LeaseLeasesRequest.parser(), LeaseLeasesResponse.parser());

  /** The cluster's ID, member table and Raft configuration. */
  public static final PeerMethod<ClusterInfoRequest, ClusterInfoResponse> CLUSTER_INFO =
      new PeerMethod<>("ClusterInfo", ClusterInfoRequest.parser(), ClusterInfoResponse.parser());

  /** Membership changes, decided on the leader (it knows which members are connected and in sync). */
  public static final PeerMethod<MemberAddRequest, MemberAddResponse> MEMBER_ADD =
      new PeerMethod<>("MemberAdd", MemberAddRequest.parser(), MemberAddResponse.parser());

  public static final PeerMethod<MemberRemoveRequest, MemberRemoveResponse> MEMBER_REMOVE =
      new PeerMethod<>("MemberRemove", MemberRemoveRequest.parser(), MemberRemoveResponse.parser());

  public static final PeerMethod<MemberUpdateRequest, MemberUpdateResponse> MEMBER_UPDATE =
      new PeerMethod<>("MemberUpdate", MemberUpdateRequest.parser(), MemberUpdateResponse.parser());

  public static final PeerMethod<MemberPromoteRequest, MemberPromoteResponse> MEMBER_PROMOTE =
      new PeerMethod<>("MemberPromote", MemberPromoteRequest.parser(), MemberPromoteResponse.parser());

  /** This member's HashKV at a revision once it got there (the corruption checks). */
  public static final PeerMethod<HashKVRequest, HashKVResponse> HASH_KV =
      new PeerMethod<>("HashKV", HashKVRequest.parser(), HashKVResponse.parser());

  /** This member's newest Raft snapshot: what a follower behind the log fetches. */
  public static final PeerMethod<SnapshotManifestRequest, SnapshotManifestResponse> SNAPSHOT_MANIFEST =
      new PeerMethod<>("SnapshotManifest", SnapshotManifestRequest.parser(), SnapshotManifestResponse.parser());

  /** A piece of one file of a snapshot. */
  public static final PeerMethod<SnapshotChunkRequest, SnapshotChunkResponse> SNAPSHOT_CHUNK =
      new PeerMethod<>("SnapshotChunk", SnapshotChunkRequest.parser(), SnapshotChunkResponse.parser());

  /** Every method, for the service definition. */
  static final List<PeerMethod<?, ?>> ALL = List.of(PROPOSE, READ_INDEX, CONFIRM_LEADERSHIP, LEASE_RENEW,
      LEASE_TIME_TO_LIVE, LEASE_LEASES, CLUSTER_INFO, MEMBER_ADD, MEMBER_REMOVE, MEMBER_UPDATE, MEMBER_PROMOTE,
      HASH_KV, SNAPSHOT_MANIFEST, SNAPSHOT_CHUNK);

  private static final Map<String, PeerMethod<?, ?>> BY_NAME = ALL.stream()
      .collect(Collectors.toUnmodifiableMap(m -> m.descriptor().getFullMethodName(), m -> m));

  /** The method with this full gRPC name, or null. */
  static PeerMethod<?, ?> byName(String fullName) {
    return BY_NAME.get(fullName);
  }
}
