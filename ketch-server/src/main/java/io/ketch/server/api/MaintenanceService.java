package io.ketch.server.api;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.AlarmMember;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmResponse;
import io.ketch.api.etcdserverpb.AlarmType;
import io.ketch.api.etcdserverpb.DefragmentRequest;
import io.ketch.api.etcdserverpb.DefragmentResponse;
import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.HashRequest;
import io.ketch.api.etcdserverpb.HashResponse;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.MoveLeaderRequest;
import io.ketch.api.etcdserverpb.MoveLeaderResponse;
import io.ketch.api.etcdserverpb.SnapshotRequest;
import io.ketch.api.etcdserverpb.SnapshotResponse;
import io.ketch.api.etcdserverpb.StatusRequest;
import io.ketch.api.etcdserverpb.StatusResponse;
import io.ketch.server.Version;
import io.ketch.server.alarm.Alarms;
import io.ketch.server.cluster.Membership;
import io.ketch.server.cluster.RaftGroupView;
import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.mvcc.KvHash;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.BackendHash;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * etcd's Maintenance service: Status, Alarm, MoveLeader, HashKV, Hash, Defragment and Snapshot.
 * Downgrade is not built yet and answers UNIMPLEMENTED.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private final KvStore kv;
  private final Backend backend;
  private final RaftNode raft;
  private final Headers headers;
  private final long quotaBytes;
  private final Membership membership;
  private final RaftGroupView group;
  private final Executor hashing;
  private final Alarms alarms;
  private final SnapshotStreamer snapshots;

  /** {@code hashing} runs HashKV, Hash and Defragment, which scan the backend, off the transport loops. */
  MaintenanceService(KvStore kv, Backend backend, RaftNode raft, Headers headers, long quotaBytes,
      Membership membership, Alarms alarms, Executor hashing, SnapshotStreamer snapshots) {
    this.hashing = hashing;
    this.snapshots = snapshots;
    this.alarms = alarms;
    this.membership = membership;
    this.group = raft.groupView();
    this.kv = kv;
    this.backend = backend;
    this.raft = raft;
    this.headers = headers;
    this.quotaBytes = quotaBytes;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    out.onNext(StatusResponse.newBuilder()
        .setHeader(headers.of(kv.currentRevision()))
        .setVersion(Version.ETCD_API)
        .setDbSize(backend.sizeOnDisk())
        .setDbSizeInUse(backend.sizeInUse())
        .setLeader(raft.leaderId())
        .setRaftIndex(raft.commitIndex())
        .setRaftTerm(raft.term())
        .setRaftAppliedIndex(raft.appliedIndex())
        .setIsLearner(isLearner())
        .setDbSizeQuota(quotaBytes)
        .addAllErrors(errors())
        .build());
    out.onCompleted();
  }

  /** As etcd: "no leader" when there is none, then each raised alarm in protobuf's compact text form. */
  private List<String> errors() {
    List<String> errors = new ArrayList<>();
    if (raft.leaderId() == 0) {
      errors.add(EtcdError.NO_LEADER.description());
    }
    for (AlarmMember a : alarms.list(AlarmType.NONE)) {
      errors.add("memberID:" + Long.toUnsignedString(a.getMemberID()) + " alarm:" + a.getAlarm() + " ");
    }
    return errors;
  }

  private boolean isLearner() {
    MemberRecord self = membership.member(raft.memberId());
    return self != null && self.getIsLearner();
  }

  /**
   * etcd's MoveLeader: only the leader hands over leadership, to a voting member; the answer comes
   * once the target leads (etcdctl move-leader sends it to the leader's endpoint).
   */
  @Override
  public void moveLeader(MoveLeaderRequest r, StreamObserver<MoveLeaderResponse> out) {
    if (raft.leaderId() != raft.memberId()) {
      out.onError(EtcdError.NOT_LEADER.exception());
      return;
    }
    MemberRecord target = membership.member(r.getTargetID());
    if (target == null || target.getIsLearner()) {
      out.onError(EtcdError.BAD_LEADER_TRANSFEREE.exception());
      return;
    }
    long targetId = r.getTargetID();
    CompletableFuture<Void> moved = targetId == raft.memberId() ? CompletableFuture.completedFuture(null)
        : group.transferLeadership(targetId, raft.requestTimeout());
    moved.whenComplete((v, err) -> {
      if (err != null && raft.leaderId() != targetId) {
        out.onError(EtcdError.TIMEOUT_LEADER_TRANSFER.exception());
        return;
      }
      out.onNext(MoveLeaderResponse.getDefaultInstance()); // etcd's answer has no header
      out.onCompleted();
    });
  }

  /**
   * etcd's Alarm: GET, ACTIVATE and DEACTIVATE all go through the log, as in etcd, so the answer is
   * what every member holds at that point (see {@link Alarms#apply}).
   */
  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    raft.propose(InternalRequest.newBuilder().setAlarm(request)).whenComplete((o, err) -> Replies.reply(
        err != null ? null : ((AlarmResponse) o).toBuilder().setHeader(headers.of(kv.currentRevision())).build(),
        err, out));
  }

  /**
   * etcd's HashKV: this member's hash of the key-value history up to a revision (see
   * {@link KvStore#hashByRev}); members that applied the same history answer the same hash for the
   * same revision and compaction revision. Local: no Raft round.
   */
  @Override
  public void hashKV(HashKVRequest r, StreamObserver<HashKVResponse> out) {
    CompletableFuture.supplyAsync(() -> {
      KvHash h = kv.hashByRev(r.getRevision());
      return HashKVResponse.newBuilder()
          .setHeader(headers.of(h.currentRevision()))
          .setHash(h.hash())
          .setCompactRevision(h.compactRevision())
          .setHashRevision(h.hashRevision())
          .build();
    }, hashing).whenComplete((resp, err) -> Replies.reply(resp, err, out));
  }

  /**
   * etcd's Defragment, of this member only (etcdctl's {@code defrag --cluster} asks each): the
   * backend's files are rewritten without what compaction deleted ({@link Backend#defragment}).
   * Unlike etcd's, reads and writes of this member go on meanwhile. Answers when it is done.
   */
  @Override
  public void defragment(DefragmentRequest r, StreamObserver<DefragmentResponse> out) {
    CompletableFuture.supplyAsync(() -> {
      backend.defragment();
      return DefragmentResponse.newBuilder().setHeader(headers.of(kv.currentRevision())).build();
    }, hashing).whenComplete((resp, err) -> Replies.reply(resp, err, out));
  }

  /** etcd's Snapshot: a backup of this member's backend (see {@link SnapshotStreamer}). */
  @Override
  public void snapshot(SnapshotRequest r, StreamObserver<SnapshotResponse> out) {
    snapshots.stream((ServerCallStreamObserver<SnapshotResponse>) out);
  }

  /**
   * etcd's Hash, with Ketch's own definition (see {@link BackendHash}): not comparable with etcd's,
   * nor between members. The header's revision is read just before the backend snapshot is taken.
   */
  @Override
  public void hash(HashRequest r, StreamObserver<HashResponse> out) {
    CompletableFuture.supplyAsync(() -> {
      long rev = kv.currentRevision();
      try (Backend.Snapshot snapshot = backend.snapshot()) {
        return HashResponse.newBuilder().setHeader(headers.of(rev)).setHash(BackendHash.of(snapshot)).build();
      }
    }, hashing).whenComplete((resp, err) -> Replies.reply(resp, err, out));
  }
}
