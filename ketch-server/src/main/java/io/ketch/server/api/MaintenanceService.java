package io.ketch.server.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmResponse;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.StatusRequest;
import io.ketch.api.etcdserverpb.StatusResponse;
import io.ketch.server.Version;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.storage.Backend;

/**
 * etcd's Maintenance service: Status and the alarm list. Defragment, Hash, HashKV, Snapshot,
 * MoveLeader and Downgrade are not built yet and answer UNIMPLEMENTED.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private final KvStore kv;
  private final Backend backend;
  private final RaftNode raft;
  private final Headers headers;
  private final long quotaBytes;

  MaintenanceService(KvStore kv, Backend backend, RaftNode raft, Headers headers, long quotaBytes) {
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
        .setIsLearner(false)
        .setDbSizeQuota(quotaBytes)
        .build());
    out.onCompleted();
  }

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    if (request.getAction() != AlarmRequest.AlarmAction.GET) {
      out.onError(Status.UNIMPLEMENTED
          .withDescription("ketch: raising and clearing alarms is not supported yet").asRuntimeException());
      return;
    }
    // No alarm can be raised yet (the space quota is not enforced), so the list is truly empty.
    out.onNext(AlarmResponse.newBuilder().setHeader(headers.of(kv.currentRevision())).build());
    out.onCompleted();
  }
}
