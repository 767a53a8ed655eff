package io.ketch.client;

import io.ketch.api.etcdserverpb.AlarmMember;
import io.ketch.api.etcdserverpb.AlarmResponse;
import io.ketch.api.etcdserverpb.DefragmentResponse;
import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.HashResponse;
import io.ketch.api.etcdserverpb.MoveLeaderResponse;
import io.ketch.api.etcdserverpb.StatusResponse;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Maintenance service. Status, alarms (listing), hashes and snapshots read and are
 * repeatable; disarming, defragmenting and moving the leader are sent once. Most maintenance
 * concerns one member: those calls take the member's endpoint ({@code host:port} as given to
 * the client builder).
 */
public interface Maintenance {
  /** The member's status (version, db size, leader, raft indexes). Repeatable. */
  CompletableFuture<StatusResponse> status(String endpoint);

  /** Active alarms of the cluster. Repeatable. */
  CompletableFuture<AlarmResponse> alarms();

  /** Disarms an alarm (e.g. NOSPACE after freeing space). Sent once. */
  CompletableFuture<AlarmResponse> disarm(AlarmMember alarm);

  /** Defragments the member's backend. Sent once. */
  CompletableFuture<DefragmentResponse> defragment(String endpoint);

  /** The member's hash of its whole backend. Repeatable. */
  CompletableFuture<HashResponse> hash(String endpoint);

  /** The member's hash of the MVCC key space up to {@code revision} (0: latest). Repeatable. */
  CompletableFuture<HashKVResponse> hashKV(String endpoint, long revision);

  /**
   * Streams the member's backend snapshot into {@code out} (not closed); completes with the number
   * of bytes written. Repeatable as a whole (a failed snapshot is started again by the caller).
   */
  CompletableFuture<Long> snapshot(String endpoint, OutputStream out);

  /** Asks the leader (reached through {@code endpoint}) to hand leadership to the member. Sent once. */
  CompletableFuture<MoveLeaderResponse> moveLeader(String endpoint, long targetMemberId);
}
