package io.ketch.client.concurrency;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.client.Client;
import io.ketch.client.EtcdException;
import io.ketch.client.Watch;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.WatchOption;
import java.util.concurrent.CompletableFuture;

/** The waiting shared by the recipes: until a key, or every older key of a prefix, is deleted. */
final class Waits {
  private Waits() {}

  /** The oldest key under {@code prefix} (by create revision), if any: clientv3's {@code WithFirstCreate}. */
  static GetOption firstCreated() {
    return GetOption.builder().withPrefix().withLimit(1)
        .withSort(RangeRequest.SortTarget.CREATE, RangeRequest.SortOrder.ASCEND).build();
  }

  /** The newest key under a prefix created at or before {@code maxCreateRev}: clientv3's {@code WithLastCreate}. */
  static GetOption lastCreatedUpTo(long maxCreateRev) {
    return GetOption.builder().withPrefix().withLimit(1).withMaxCreateRevision(maxCreateRev)
        .withSort(RangeRequest.SortTarget.CREATE, RangeRequest.SortOrder.DESCEND).build();
  }

  /**
   * Completes when no key under {@code prefix} created at or before {@code maxCreateRev} is left:
   * waits for the deletion of the newest such key, then looks again.
   */
  static CompletableFuture<Void> deletesOfOlder(Client client, ByteString prefix, long maxCreateRev) {
    return client.kv().get(prefix, lastCreatedUpTo(maxCreateRev)).thenCompose(r -> {
      if (r.getKvsCount() == 0) {
        return CompletableFuture.completedFuture(null);
      }
      KeyValue newest = r.getKvs(0);
      return deleteOf(client, newest.getKey(), r.getHeader().getRevision() + 1)
          .thenCompose(v -> deletesOfOlder(client, prefix, maxCreateRev));
    });
  }

  /** Completes when {@code key} is deleted at or after revision {@code fromRev}. */
  static CompletableFuture<Void> deleteOf(Client client, ByteString key, long fromRev) {
    CompletableFuture<Void> deleted = new CompletableFuture<>();
    Watch.Watcher w = client.watch().watch(key, WatchOption.builder().withStartRevision(fromRev).withNoPut().build(),
        new Watch.Listener() {
          @Override
          public void onNext(WatchResponse r) {
            if (r.getEventsList().stream().anyMatch(e -> e.getType() == Event.EventType.DELETE)) {
              deleted.complete(null);
            }
          }

          @Override
          public void onError(EtcdException e) {
            deleted.completeExceptionally(e);
          }

          @Override
          public void onCompleted() {
            deleted.completeExceptionally(new EtcdException(io.grpc.Status.Code.CANCELLED, "watch closed", null));
          }
        });
    deleted.whenComplete((v, e) -> w.close());
    return deleted;
  }
}
