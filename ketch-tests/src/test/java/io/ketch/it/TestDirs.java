package io.ketch.it;

import io.ketch.server.config.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temp directories and free loopback ports for servers under test. */
public final class TestDirs {
  private TestDirs() {}

  public static Path newDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    if (System.getenv("KETCH_KEEP_TEST_DIRS") != null) {
      System.err.println("kept for inspection (KETCH_KEEP_TEST_DIRS): " + dir);
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a leftover temp dir is not a test failure
    }
  }

  /**
   * {@code pb} with RocksDB's native library unpacked into {@code dir/native} under a fixed name:
   * by default every process unpacks its own copy into /tmp (15 MB) and only a clean exit deletes
   * it, so members killed by the tests would leave one each behind.
   */
  public static ProcessBuilder nativeLibraryIn(ProcessBuilder pb, Path dir) {
    Path lib = dir.resolve("native");
    try {
      Files.createDirectories(lib);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    pb.environment().put("ROCKSDB_SHAREDLIB_DIR", lib.toString());
    return pb;
  }

  /** A port free on 127.0.0.1 that no outgoing connection can take before the server binds it. */
  public static int freePort() {
    return LoopbackPorts.next();
  }
}
