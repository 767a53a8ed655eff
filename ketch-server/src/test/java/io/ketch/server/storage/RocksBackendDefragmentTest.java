package io.ketch.server.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defragmentation gives back the space deletions freed, keeps every live entry, and never blocks writes. */
class RocksBackendDefragmentTest {
  private static final int KEYS = 20_000;
  private static final int VALUE_BYTES = 1024;

  @TempDir
  Path dir;

  private static byte[] key(int i) {
    return ByteBuffer.allocate(8).putLong(i).array();
  }

  private static byte[] value(int i) {
    byte[] v = new byte[VALUE_BYTES];
    new Random(i).nextBytes(v); // incompressible, so file sizes follow the data
    return v;
  }

  /** Writes KEYS values, then deletes all but every hundredth: ~20 MB written, ~0.2 MB left live. */
  private static void fillAndDeleteMost(Backend be) {
    for (int start = 0; start < KEYS; start += 1000) {
      try (Backend.Batch b = be.newBatch()) {
        for (int i = start; i < start + 1000; i++) {
          b.put(Schema.KEY, key(i), value(i));
        }
        be.commit(b);
      }
    }
    try (Backend.Batch b = be.newBatch()) {
      for (int i = 0; i < KEYS; i++) {
        if (i % 100 != 0) {
          b.delete(Schema.KEY, key(i));
        }
      }
      be.commit(b);
    }
  }

  @Test
  void defragmentationReturnsTheSpaceOfDeletedEntriesAndKeepsTheRest() {
    try (RocksBackend be = RocksBackend.open(dir.resolve("db"))) {
      fillAndDeleteMost(be);
      long before = be.sizeOnDisk();
      assertTrue(before > KEYS * (long) VALUE_BYTES / 2, "the deleted data is still on disk: " + before);
      assertTrue(be.sizeInUse() <= before, "in use " + be.sizeInUse() + " > on disk " + before);

      be.defragment();

      long after = be.sizeOnDisk();
      assertTrue(after < before / 4, "on disk before " + before + ", after " + after);
      assertTrue(be.sizeInUse() <= after, "in use " + be.sizeInUse() + " > on disk " + after);
      for (int i = 0; i < KEYS; i++) {
        byte[] got = be.get(Schema.KEY, key(i));
        if (i % 100 == 0) {
          assertArrayEquals(value(i), got, "key " + i);
        } else {
          assertNull(got, "key " + i);
        }
      }
    }
  }

  @Test
  void writesGoOnWhileADefragmentationRuns() throws Exception {
    try (RocksBackend be = RocksBackend.open(dir.resolve("db"))) {
      fillAndDeleteMost(be);
      AtomicLong written = new AtomicLong();
      CompletableFuture<Void> defrag = CompletableFuture.runAsync(be::defragment);
      // writes commit while it runs; the defragmentation must not lose or hide any of them
      int n = 0;
      while (!defrag.isDone() || n < 100) {
        try (Backend.Batch b = be.newBatch()) {
          b.put(Schema.META, key(n), value(n));
          be.commit(b);
        }
        written.incrementAndGet();
        n++;
      }
      defrag.get(60, TimeUnit.SECONDS);
      for (int i = 0; i < n; i++) {
        assertArrayEquals(value(i), be.get(Schema.META, key(i)), "write " + i);
      }
      assertEquals(n, written.get());
    }
  }

  @Test
  void closingStopsARunningDefragmentationCleanly() throws Exception {
    RocksBackend be = RocksBackend.open(dir.resolve("db"));
    fillAndDeleteMost(be);
    CompletableFuture<Void> defrag = CompletableFuture.runAsync(be::defragment);
    be.close(); // waits for the defragmentation to stop (or finish) before closing the database
    try {
      defrag.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertTrue(e.getCause() instanceof IllegalStateException, e.toString());
    }
    assertThrows(IllegalStateException.class, be::defragment);
    // the data survives: reopen and read
    try (RocksBackend again = RocksBackend.open(dir.resolve("db"))) {
      assertArrayEquals(value(0), again.get(Schema.KEY, key(0)));
      assertNull(again.get(Schema.KEY, key(1)));
    }
  }
}
