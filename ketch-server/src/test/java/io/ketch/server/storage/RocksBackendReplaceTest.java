package io.ketch.server.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Swapping the whole database for a checkpoint (a Raft snapshot from the leader): the new content
 * replaces the old, the checkpoint stays usable, operations on the old database finish first, and a
 * crash in the middle leaves a database that opens as one or the other.
 */
class RocksBackendReplaceTest {
  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void put(Backend be, String key, String value) {
    try (Backend.Batch batch = be.newBatch()) {
      batch.put(Schema.KEY, b(key), b(value));
      be.commit(batch);
    }
  }

  /** A checkpoint of a database holding {@code key=value}. */
  private Path checkpointWith(String key, String value) {
    Path checkpoint = dir.resolve("checkpoint-" + key);
    try (RocksBackend other = RocksBackend.open(dir.resolve("other-" + key))) {
      put(other, key, value);
      other.checkpoint(checkpoint);
    }
    return checkpoint;
  }

  @Test
  void theCheckpointReplacesEverythingAndStaysUsable() throws Exception {
    Path checkpoint = checkpointWith("b", "2");
    try (RocksBackend live = RocksBackend.open(dir.resolve("db"))) {
      put(live, "a", "1");
      live.replaceWith(checkpoint);
      assertNull(live.get(Schema.KEY, b("a")));
      assertArrayEquals(b("2"), live.get(Schema.KEY, b("b")));
      put(live, "c", "3"); // writable afterwards
      assertArrayEquals(b("3"), live.get(Schema.KEY, b("c")));
    }
    try (RocksBackend again = RocksBackend.open(dir.resolve("db"))) {
      assertArrayEquals(b("2"), again.get(Schema.KEY, b("b")));
      assertArrayEquals(b("3"), again.get(Schema.KEY, b("c")));
    }
    try (RocksBackend original = RocksBackend.open(checkpoint)) {
      assertArrayEquals(b("2"), original.get(Schema.KEY, b("b")));
      assertNull(original.get(Schema.KEY, b("c")), "the checkpoint is left as it was");
    }
  }

  @Test
  void anOpenReadViewHoldsTheReplacementUntilClosed() throws Exception {
    Path checkpoint = checkpointWith("b", "2");
    try (RocksBackend live = RocksBackend.open(dir.resolve("db"))) {
      put(live, "a", "1");
      Backend.Snapshot view = live.snapshot();
      CompletableFuture<Void> replaced = CompletableFuture.runAsync(() -> {
        try {
          live.replaceWith(checkpoint);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      Thread.sleep(300);
      assertFalse(replaced.isDone(), "the replacement waits for the open view");
      assertArrayEquals(b("1"), view.get(Schema.KEY, b("a")), "the view still reads the old database");
      view.close();
      replaced.get(30, TimeUnit.SECONDS);
      assertNull(live.get(Schema.KEY, b("a")));
      assertArrayEquals(b("2"), live.get(Schema.KEY, b("b")));
    }
  }

  @Test
  void aBatchBuiltForTheOldDatabaseIsRefused() throws Exception {
    Path checkpoint = checkpointWith("b", "2");
    try (RocksBackend live = RocksBackend.open(dir.resolve("db"))) {
      Backend.Batch stale = live.newBatch();
      stale.put(Schema.KEY, b("a"), b("1"));
      live.replaceWith(checkpoint);
      assertThrows(IllegalStateException.class, () -> live.commit(stale));
      stale.close();
      assertNull(live.get(Schema.KEY, b("a")));
    }
  }

  @Test
  void aReplacementACrashInterruptedIsCompletedWhenOpened() throws Exception {
    Path checkpoint = checkpointWith("b", "2");
    Path db = dir.resolve("db");
    try (RocksBackend live = RocksBackend.open(db)) {
      put(live, "a", "1");
    }
    // the crash came after the old database was moved out, before the new one was moved in
    Directories.linkDatabase(checkpoint, dir.resolve("db.incoming"));
    Files.move(db, dir.resolve("db.outgoing"));
    try (RocksBackend opened = RocksBackend.open(db)) {
      assertArrayEquals(b("2"), opened.get(Schema.KEY, b("b")));
      assertNull(opened.get(Schema.KEY, b("a")));
    }
    assertFalse(Files.exists(dir.resolve("db.outgoing")));
    assertFalse(Files.exists(dir.resolve("db.incoming")));

    // a crash before the old one moved out: the half-built new one is discarded
    Directories.linkDatabase(checkpointWith("c", "3"), dir.resolve("db.incoming"));
    try (RocksBackend opened = RocksBackend.open(db)) {
      assertArrayEquals(b("2"), opened.get(Schema.KEY, b("b")));
      assertNull(opened.get(Schema.KEY, b("c")));
    }
    assertTrue(Files.isDirectory(db));
    assertFalse(Files.exists(dir.resolve("db.incoming")));
  }
}
