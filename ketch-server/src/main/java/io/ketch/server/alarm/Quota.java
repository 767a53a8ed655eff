package io.ketch.server.alarm;

import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmType;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * etcd's space quota ({@code --quota-backend-bytes}), checked where a request arrives: one that would
 * take the backend to the quota or past it raises this member's NOSPACE alarm (through the log, so
 * every member then refuses writes that grow the store) and fails with "database space exceeded".
 * Requests that cost nothing ({@link QuotaCost}) always pass. A negative quota turns the check off,
 * as in etcd.
 */
public final class Quota {
  private final long quotaBytes;
  private final LongSupplier backendBytes;
  private final long memberId;
  private final Function<AlarmRequest, CompletableFuture<?>> propose;

  /**
   * @param quotaBytes the configured quota (0: {@code defaultBytes}, etcd's 2 GiB; negative: no quota)
   * @param backendBytes the backend's current size (Status's dbSize)
   * @param propose puts an alarm request through the log
   */
  public Quota(long quotaBytes, long defaultBytes, LongSupplier backendBytes, long memberId,
      Function<AlarmRequest, CompletableFuture<?>> propose) {
    this.quotaBytes = quotaBytes == 0 ? defaultBytes : quotaBytes;
    this.backendBytes = backendBytes;
    this.memberId = memberId;
    this.propose = propose;
  }

  /**
   * Completes when a request of {@code cost} bytes may go on; otherwise raises the alarm and, once
   * that is applied (or failed), fails with etcd's NO_SPACE error.
   */
  public CompletableFuture<Void> admit(int cost) {
    if (cost == 0 || quotaBytes < 0 || backendBytes.getAsLong() + cost < quotaBytes) {
      return CompletableFuture.completedFuture(null);
    }
    AlarmRequest raise = AlarmRequest.newBuilder()
        .setAction(AlarmRequest.AlarmAction.ACTIVATE)
        .setMemberID(memberId)
        .setAlarm(AlarmType.NOSPACE)
        .build();
    return propose.apply(raise).handle((r, err) -> null)
        .thenCompose(v -> CompletableFuture.<Void>failedFuture(EtcdError.NO_SPACE.exception()));
  }
}
