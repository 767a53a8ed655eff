package io.ketch.client;

import com.google.protobuf.ByteString;
import io.ketch.api.v3electionpb.CampaignResponse;
import io.ketch.api.v3electionpb.LeaderKey;
import io.ketch.api.v3electionpb.LeaderResponse;
import io.ketch.api.v3electionpb.ProclaimResponse;
import io.ketch.api.v3electionpb.ResignResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Election service (v3electionpb): leader election under a lease. Campaign, proclaim and
 * resign are sent once; leader is repeatable. For a client-side election see
 * {@link io.ketch.client.concurrency.Election}.
 */
public interface Election {
  /** Waits until this campaign (lease {@code leaseId}) leads {@code name}, proclaiming {@code value}. */
  CompletableFuture<CampaignResponse> campaign(ByteString name, long leaseId, ByteString value);

  /** Sets the leader's value; fails with {@code election: not leader} when no longer leading. */
  CompletableFuture<ProclaimResponse> proclaim(LeaderKey leader, ByteString value);

  /** The current leader's key-value; fails with {@code election: no leader} when there is none. Repeatable. */
  CompletableFuture<LeaderResponse> leader(ByteString name);

  /**
   * Streams the leader and every change of leader or value to the listener (on the client's
   * listener thread) until the returned handle is closed or the stream fails.
   */
  AutoCloseable observe(ByteString name, ObserveListener listener);

  /** Gives up leadership (a no-op when not leading). */
  CompletableFuture<ResignResponse> resign(LeaderKey leader);

  /** This Election with a deadline for each call (null: none). */
  Election withTimeout(Duration timeout);

  /** Hears an observed election's leaders. */
  interface ObserveListener {
    /** The leader now (first the current one, then each change). */
    void onLeader(LeaderResponse leader);

    /** The observation failed (e.g. the server stopped it); nothing follows. */
    default void onError(EtcdException e) {}

    /** The observation ended: closed by the caller, or the server ended the stream. */
    default void onCompleted() {}
  }
}
