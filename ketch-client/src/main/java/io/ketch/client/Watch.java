package io.ketch.client;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.client.options.WatchOption;

/**
 * etcd's Watch service. All watches of a client share one gRPC stream (as clientv3's
 * watchGrpcStream). When the stream breaks the client reconnects forever, with backoff, and
 * resumes every watch from the revision after the last one it delivered: no event is lost or
 * delivered twice. A watch whose revision was compacted meanwhile ends with a
 * {@link CompactedException}.
 */
public interface Watch {
  /**
   * Starts watching the keys {@code option} selects from {@code key}. The listener receives each
   * revision's events as one response (fragments reassembled), progress notifications, and — with
   * {@link WatchOption.Builder#withCreatedNotify()} — the "created" response; then at most one of
   * {@code onError} or {@code onCompleted}. Listeners run on the client's listener thread, one
   * call at a time, in order; a slow listener delays every watch of the client.
   */
  Watcher watch(ByteString key, WatchOption option, Listener listener);

  /**
   * Asks the server for a progress notification: every synced watch of the stream receives an
   * empty response carrying the current revision.
   */
  void requestProgress();

  /** Receives one watch's responses. */
  interface Listener {
    /** Events of one revision (or a progress or created notification). */
    void onNext(WatchResponse response);

    /**
     * The watch ended because of the server: a {@link CompactedException} when its revision was
     * compacted, an {@link EtcdException} with the server's reason otherwise.
     */
    default void onError(EtcdException e) {}

    /** The watch ended because it was closed, or the client was. */
    default void onCompleted() {}
  }

  /** A running watch. */
  interface Watcher extends AutoCloseable {
    /** The ID the server knows this watch by on the current stream. */
    long watchId();

    /** The last revision fully delivered to the listener (0 before any). */
    long lastRevision();

    /** Cancels the watch; the listener's {@code onCompleted} follows. Idempotent. */
    @Override
    void close();
  }
}
