package io.ketch.server.storage;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Ketch's hash of a whole backend, what Maintenance.Hash answers: CRC-32C (Castagnoli) over every
 * bucket in {@link Schema#BUCKETS} order, each as its name then every key and value in key order.
 * Nothing is left out.
 *
 * <p>Not comparable with etcd's Hash, which walks bbolt's buckets (in name order, with bbolt's own
 * layout) and skips {@code meta}'s consistent index and term. Ours includes them, and so is specific
 * to the member and to how far it has applied: two members at the same store revision differ once
 * one has applied a Raft entry the other has not (a lease grant, a leader's empty entry), and while
 * a compaction's deletions or its finished mark are still to be written. Compare members with
 * HashKV instead.
 */
public final class BackendHash {
  private BackendHash() {}

  /** The hash of everything {@code snapshot} holds. */
  public static int of(Backend.Snapshot snapshot) {
    CRC32C crc = new CRC32C();
    for (String bucket : Schema.BUCKETS) {
      crc.update(bucket.getBytes(StandardCharsets.UTF_8));
      snapshot.scan(bucket, null, null, (k, v) -> {
        crc.update(k);
        crc.update(v);
        return true;
      });
    }
    return (int) crc.getValue();
  }
}
