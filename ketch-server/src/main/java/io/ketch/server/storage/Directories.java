package io.ketch.server.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** File-system chores of the storage layer's directories (checkpoints, backups, restores). */
public final class Directories {
  private Directories() {}

  /** Deletes {@code dir} and everything under it; nothing if it does not exist. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Makes {@code to} (which must not exist) a durable copy of the RocksDB database files in {@code
   * from}: table and blob files, which RocksDB never changes once written, are hard-linked (no data
   * is copied); the manifest, write-ahead logs and the rest, which a database opened on {@code to}
   * would append to, are copied. Files named {@code *.md5} (Ratis's digests of received snapshot
   * files) are left out. Each file and the directory are fsynced.
   */
  public static void linkDatabase(Path from, Path to) throws IOException {
    Files.createDirectory(to);
    List<Path> files;
    try (Stream<Path> s = Files.list(from)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    for (Path f : files) {
      String name = f.getFileName().toString();
      if (name.endsWith(".md5")) {
        continue;
      }
      Path target = to.resolve(name);
      if (name.endsWith(".sst") || name.endsWith(".blob")) {
        Files.createLink(target, f);
      } else {
        Files.copy(f, target);
        fsync(target);
      }
    }
    fsync(to);
  }

  /** Forces {@code path} (a file or a directory) to stable storage. */
  public static void fsync(Path path) throws IOException {
    try (FileChannel c = FileChannel.open(path, StandardOpenOption.READ)) {
      c.force(true);
    }
  }
}
