package io.ketch.client.impl;

import io.grpc.stub.StreamObserver;
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
import io.ketch.client.EtcdException;
import io.ketch.client.Maintenance;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/** {@link Maintenance} over a {@link Connection}; per-member calls go to that member's channel. */
public final class MaintenanceImpl implements Maintenance {
  private final Connection conn;

  /** The service over {@code conn}. */
  public MaintenanceImpl(Connection conn) {
    this.conn = conn;
  }

  @Override
  public CompletableFuture<StatusResponse> status(String endpoint) {
    return conn.call(conn.member(endpoint), MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance(),
        Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AlarmResponse> alarms() {
    AlarmRequest req = AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET)
        .setAlarm(AlarmType.NONE).build();
    return conn.call(MaintenanceGrpc.getAlarmMethod(), req, Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AlarmResponse> disarm(AlarmMember alarm) {
    AlarmRequest req = AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE)
        .setMemberID(alarm.getMemberID()).setAlarm(alarm.getAlarm()).build();
    return conn.call(MaintenanceGrpc.getAlarmMethod(), req, Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<DefragmentResponse> defragment(String endpoint) {
    return conn.call(conn.member(endpoint), MaintenanceGrpc.getDefragmentMethod(), DefragmentRequest.getDefaultInstance(),
        Connection.Retry.ONCE, null);
  }

  @Override
  public CompletableFuture<HashResponse> hash(String endpoint) {
    return conn.call(conn.member(endpoint), MaintenanceGrpc.getHashMethod(), HashRequest.getDefaultInstance(),
        Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<HashKVResponse> hashKV(String endpoint, long revision) {
    return conn.call(conn.member(endpoint), MaintenanceGrpc.getHashKVMethod(),
        HashKVRequest.newBuilder().setRevision(revision).build(), Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<Long> snapshot(String endpoint, OutputStream out) {
    CompletableFuture<Long> result = new CompletableFuture<>();
    conn.serverStream(conn.member(endpoint), MaintenanceGrpc.getSnapshotMethod(), SnapshotRequest.getDefaultInstance(),
        new StreamObserver<SnapshotResponse>() {
          private long written;

          @Override
          public void onNext(SnapshotResponse r) {
            try {
              r.getBlob().writeTo(out);
              written += r.getBlob().size();
            } catch (IOException e) {
              result.completeExceptionally(e);
            }
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(EtcdException.of(t));
          }

          @Override
          public void onCompleted() {
            result.complete(written);
          }
        });
    return result;
  }

  @Override
  public CompletableFuture<MoveLeaderResponse> moveLeader(String endpoint, long targetMemberId) {
    return conn.call(conn.member(endpoint), MaintenanceGrpc.getMoveLeaderMethod(),
        MoveLeaderRequest.newBuilder().setTargetID(targetMemberId).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }
}
