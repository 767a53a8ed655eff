package io.ketch.server.admin;

import io.ketch.server.mvcc.Revision;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.BackendHash;
import io.ketch.server.storage.Directories;
import io.ketch.server.storage.RocksBackend;
import io.ketch.server.storage.Schema;
import io.ketch.server.storage.SnapshotArchive;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code ketch snapshot status FILE}, as etcdutl's: a backup's hash, revision, number of keys and
 * size, after checking it whole. The hash is Ketch's own ({@link BackendHash} of the backed-up
 * store); the revision is the store's latest; keys are counted over every bucket and the size is
 * the database files', as etcd counts them for its bbolt file.
 */
public record SnapshotStatus(int hash, long revision, long totalKeys, long totalSize) {

  /** Reads the backup in {@code file}; fails with a clear message if it is damaged or not a backup. */
  public static SnapshotStatus of(Path file) throws IOException {
    Path dir = Files.createTempDirectory("ketch-snapshot-status");
    try {
      Path db = dir.resolve("db");
      SnapshotArchive.extract(file, db);
      long size;
      try (Stream<Path> s = Files.list(db)) {
        size = s.filter(p -> !p.getFileName().toString().startsWith("LOG")).mapToLong(p -> p.toFile().length()).sum();
      }
      try (RocksBackend be = RocksBackend.open(db)) {
        long[] keys = {0};
        long[] revision = {0};
        for (String bucket : Schema.BUCKETS) {
          be.scan(bucket, new byte[0], null, (k, v) -> {
            keys[0]++;
            if (bucket.equals(Schema.KEY)) {
              revision[0] = Math.max(revision[0], Revision.fromBytes(k).main());
            }
            return true;
          });
        }
        int hash;
        try (Backend.Snapshot s = be.snapshot()) {
          hash = BackendHash.of(s);
        }
        return new SnapshotStatus(hash, revision[0], keys[0], size);
      }
    } finally {
      Directories.deleteTree(dir);
    }
  }

  /** In etcdutl's formats: simple (a line), table or json. */
  public String format(String writeOut) {
    String hex = String.format("%x", hash);
    return switch (writeOut) {
      case "json" -> String.format("{\"hash\":%d,\"revision\":%d,\"totalKey\":%d,\"totalSize\":%d}%n",
          Integer.toUnsignedLong(hash), revision, totalKeys, totalSize);
      case "table" -> table(hex);
      default -> String.format("%s, %d, %d, %s%n", hex, revision, totalKeys, humanBytes(totalSize));
    };
  }

  private String table(String hex) {
    String[] head = {"HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"};
    String[] row = {hex, Long.toString(revision), Long.toString(totalKeys), humanBytes(totalSize)};
    int[] w = new int[head.length];
    for (int i = 0; i < head.length; i++) {
      w[i] = Math.max(head[i].length(), row[i].length());
    }
    StringBuilder line = new StringBuilder("+");
    for (int width : w) {
      line.append("-".repeat(width + 2)).append('+');
    }
    StringBuilder b = new StringBuilder().append(line).append('\n').append('|');
    for (int i = 0; i < head.length; i++) {
      int pad = w[i] - head[i].length();
      b.append(' ').append(" ".repeat(pad / 2)).append(head[i]).append(" ".repeat(pad - pad / 2)).append(" |");
    }
    b.append('\n').append(line).append('\n').append('|');
    for (int i = 0; i < row.length; i++) {
      b.append(' ').append(" ".repeat(w[i] - row[i].length())).append(row[i]).append(" |");
    }
    return b.append('\n').append(line).append('\n').toString();
  }

  /** Bytes in SI units as etcd prints them (go-humanize): "16 kB", "2.1 MB". */
  static String humanBytes(long n) {
    if (n < 10) {
      return n + " B";
    }
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    int e = (int) Math.floor(Math.log(n) / Math.log(1000));
    double val = Math.floor(n / Math.pow(1000, e) * 10 + 0.5) / 10;
    // Go's %.0f rounds half to even (20.5 -> "20"); val already has one decimal, so %.1f is exact
    return val < 10 ? String.format(Locale.ROOT, "%.1f %s", val, units[e])
        : new BigDecimal(val).setScale(0, RoundingMode.HALF_EVEN).toPlainString() + " " + units[e];
  }
}
