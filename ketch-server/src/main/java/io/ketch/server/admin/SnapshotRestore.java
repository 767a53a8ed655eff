package io.ketch.server.admin;

import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Directories;
import io.ketch.server.storage.RaftMeta;
import io.ketch.server.storage.RocksBackend;
import io.ketch.server.storage.Schema;
import io.ketch.server.storage.SnapshotArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ketch snapshot restore}, etcdutl's: builds a new member's data directory from a backup.
 * The backup's store becomes the member's (keys with their history, leases, compaction, alarms);
 * what belonged to the old cluster is dropped: its member table, and the Raft bookkeeping (the
 * applied index and term, the proposers' applied-batch windows), since the new cluster's log
 * starts afresh. The member then starts with the same {@code --name}, {@code --initial-cluster},
 * {@code --initial-cluster-token} and {@code --initial-advertise-peer-urls} as a new cluster; every
 * member of it is restored from the same backup, so all start from the same store.
 */
public final class SnapshotRestore {
  private SnapshotRestore() {}

  /** Restores {@code backup} into {@code dataDir}, which must not exist (nothing is left on failure). */
  public static void restore(Path backup, Path dataDir) throws IOException {
    if (Files.exists(dataDir)) {
      throw new IOException("data-dir \"" + dataDir + "\" exists");
    }
    try {
      Path db = dataDir.resolve("member").resolve("db");
      Files.createDirectories(db.getParent());
      SnapshotArchive.extract(backup, db);
      try (RocksBackend be = RocksBackend.open(db); Backend.Batch b = be.newBatch()) {
        for (String bucket : List.of(Schema.MEMBERS, Schema.MEMBERS_REMOVED)) {
          for (byte[] k : keys(be, bucket, new byte[0], null)) {
            b.delete(bucket, k);
          }
        }
        RaftMeta.forget(be, b);
        be.commit(b);
      }
    } catch (IOException | RuntimeException e) {
      Directories.deleteTree(dataDir);
      throw e;
    }
  }

  private static List<byte[]> keys(Backend be, String bucket, byte[] from, byte[] to) {
    List<byte[]> keys = new ArrayList<>();
    be.scan(bucket, from, to, (k, v) -> keys.add(k));
    return keys;
  }
}
