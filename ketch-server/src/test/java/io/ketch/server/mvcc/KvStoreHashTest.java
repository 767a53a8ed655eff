package io.ketch.server.mvcc;

import static io.ketch.server.mvcc.StoreWrites.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.RocksBackend;
import io.ketch.server.storage.Schema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** HashKV's hash (etcd's HashByRev) on a real RocksDB: what it covers, its revision rules and errors. */
class KvStoreHashTest {
  @TempDir
  Path dir;

  private static byte[] k(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }


  private static void put(KvStore kv, Backend be, String key, String value) {
    write(kv, be, t -> t.put(k(key), ByteString.copyFromUtf8(value), 0));
  }

  private static void delete(KvStore kv, Backend be, String key) {
    write(kv, be, t -> t.deleteRange(k(key), null));
  }

  /** Compacts at {@code rev} without publishing: the physical deletion has not started when it returns. */
  private static CompletableFuture<Void> compactUnpublished(KvStore kv, Backend be, long rev) {
    try (Backend.Batch b = be.newBatch()) {
      CompletableFuture<Void> done = kv.compact(rev, b);
      be.commit(b);
      return done;
    }
  }

  /** The expected hash: "key", then each named entry's backend key and value ("5t": the tombstone at 5). */
  private static int expected(Backend be, String... entries) {
    CRC32C crc = new CRC32C();
    crc.update(k("key"));
    for (String e : entries) {
      boolean tombstone = e.endsWith("t");
      byte[] key = new Revision(Long.parseLong(tombstone ? e.substring(0, e.length() - 1) : e), 0).toBytes(tombstone);
      byte[] value = be.get(Schema.KEY, key);
      assertNotNull(value, () -> "no entry " + e + " in the key bucket");
      crc.update(key);
      crc.update(value);
    }
    return (int) crc.getValue();
  }

  private static int hash(KvStore kv, long rev) {
    return kv.hashByRev(rev).hash();
  }

  @Test
  void everyWriteChangesTheHashAndEqualHistoriesHashEqual() {
    try (RocksBackend be1 = RocksBackend.open(dir.resolve("one")); KvStore kv1 = KvStore.open(be1);
        RocksBackend be2 = RocksBackend.open(dir.resolve("two")); KvStore kv2 = KvStore.open(be2)) {
      List<Consumer<KvStore.WriteTxn>> writes = List.of(
          t -> t.put(k("a"), ByteString.copyFromUtf8("1"), 0),
          t -> t.put(k("a"), ByteString.copyFromUtf8("1"), 0),
          t -> t.put(k("b"), ByteString.EMPTY, 7),
          t -> t.deleteRange(k("a"), null),
          t -> {
            t.put(k("c"), ByteString.copyFromUtf8("x"), 0);
            t.deleteRange(k("b"), null);
          });
      Set<Integer> seen = new HashSet<>();
      seen.add(hash(kv1, 0));
      assertEquals(expected(be1), hash(kv1, 0), "an empty store hashes the bucket name only");
      for (Consumer<KvStore.WriteTxn> w : writes) {
        write(kv1, be1, w);
        write(kv2, be2, w);
        assertEquals(hash(kv1, 0), hash(kv2, 0));
        assertTrue(seen.add(hash(kv1, 0)), "the hash did not change at revision " + kv1.currentRevision());
      }
      put(kv1, be1, "d", "same");
      put(kv2, be2, "d", "different");
      assertTrue(hash(kv1, 0) != hash(kv2, 0));
    }
  }

  @Test
  void aRevisionHashesThePrefixOfTheHistoryUpToIt() {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      List<Integer> atEachRev = new ArrayList<>(List.of(0, hash(kv, 0)));
      for (int i = 0; i < 6; i++) {
        if (i % 3 == 2) {
          delete(kv, be, "k" + (i - 1));
        } else {
          put(kv, be, "k" + i, "v" + i);
        }
        atEachRev.add(hash(kv, 0));
      }
      long current = kv.currentRevision();
      for (long rev = 1; rev <= current; rev++) {
        KvHash h = kv.hashByRev(rev);
        assertEquals(atEachRev.get((int) rev), h.hash(), "rev " + rev);
        assertEquals(rev, h.hashRevision());
        assertEquals(current, h.currentRevision());
        assertEquals(-1, h.compactRevision());
      }
      assertEquals(new KvHash(atEachRev.get((int) current), -1, current, current), kv.hashByRev(0));
    }
  }

  /**
   * Revisions 2..8 written, compacted at 5: below the compaction is refused, the compaction revision
   * itself is hashed (etcd 3.4.27+/3.5.10+), the future is refused, a negative revision hashes nothing.
   */
  @ParameterizedTest(name = "rev {0}: {1}")
  @CsvSource({
      "1, COMPACTED", "4, COMPACTED", "5, 5", "6, 6", "8, 8", "0, 8", "9, FUTURE_REV", "100, FUTURE_REV",
      "-1, -1"})
  void revisionRules(long rev, String outcome) throws Exception {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      for (int i = 2; i <= 8; i++) {
        put(kv, be, "k" + (i % 3), "v" + i);
      }
      CompletableFuture<Void> deleted = compactUnpublished(kv, be, 5);
      kv.publish();
      deleted.get(10, TimeUnit.SECONDS);
      if (outcome.matches("[A-Z_]+")) {
        MvccException e = assertThrows(MvccException.class, () -> kv.hashByRev(rev));
        assertEquals(MvccException.Kind.valueOf(outcome), e.kind());
        return;
      }
      KvHash h = kv.hashByRev(rev);
      assertEquals(Long.parseLong(outcome), h.hashRevision());
      assertEquals(5, h.compactRevision());
      assertEquals(8, h.currentRevision());
      if (rev < 0) {
        assertEquals(expected(be), h.hash());
      }
    }
  }

  /** The worked example of {@link KvHasher}: what is kept below the compaction counts, the rest does not. */
  @Test
  void belowTheCompactionOnlyWhatACompactionAtTheRevisionKeepsCounts() throws Exception {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      put(kv, be, "a", "1");
      put(kv, be, "a", "2");
      put(kv, be, "b", "3");
      delete(kv, be, "b");
      put(kv, be, "c", "4");
      int before = hash(kv, 6);
      assertEquals(expected(be, "2", "3", "4", "5t", "6"), before, "nothing compacted: everything counts");
      assertEquals(expected(be, "2", "3", "4"), hash(kv, 4));

      CompletableFuture<Void> deleted = compactUnpublished(kv, be, 5);
      assertEquals(expected(be, "3", "6"), hash(kv, 6), "a@2 superseded, b deleted at 5");
      assertEquals(expected(be, "3"), hash(kv, 5));
      assertEquals(5, kv.hashByRev(6).compactRevision());

      kv.publish();
      deleted.get(10, TimeUnit.SECONDS);
      assertEquals(expected(be, "3", "6"), hash(kv, 6), "the physical deletion changes nothing");

      put(kv, be, "a", "5");
      assertEquals(expected(be, "6", "7"), hash(kv, 7), "a@3 is superseded at 7, though still stored");
      assertEquals(expected(be, "3", "6"), hash(kv, 6));
    }
  }

  /**
   * With nothing live at the hashed revision nothing below the compaction is skipped (etcd's rule),
   * but the tombstone at the compaction revision, which older etcd compactions delete and newer keep.
   */
  @Test
  void withNothingLiveOnlyTheTombstoneAtTheCompactionIsSkipped() throws Exception {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      put(kv, be, "a", "1");
      delete(kv, be, "a");
      put(kv, be, "b", "2");
      delete(kv, be, "b");
      CompletableFuture<Void> deleted = compactUnpublished(kv, be, 5);
      assertEquals(expected(be, "2", "3t", "4"), hash(kv, 5));

      kv.publish();
      deleted.get(10, TimeUnit.SECONDS);
      assertEquals(expected(be), hash(kv, 5), "the compaction deleted everything up to 5");

      put(kv, be, "c", "3");
      assertEquals(expected(be, "6"), hash(kv, 0));
    }
  }

  @Test
  void writesNotYetPublishedAreNotHashed() {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      put(kv, be, "a", "1");
      KvHash published = kv.hashByRev(0);
      try (Backend.Batch b = be.newBatch()) {
        KvStore.WriteTxn t = kv.beginWrite(b);
        t.put(k("a"), ByteString.copyFromUtf8("2"), 0);
        t.put(k("new"), ByteString.copyFromUtf8("3"), 0);
        t.end();
        assertEquals(published, kv.hashByRev(0), "in the index, not committed");
        be.commit(b);
        assertEquals(published, kv.hashByRev(0), "committed, not published");
        assertThrows(MvccException.class, () -> kv.hashByRev(3));
      }
      kv.publish();
      assertEquals(published.hash(), hash(kv, 2));
      assertEquals(3, kv.hashByRev(0).hashRevision());
    }
  }

  /**
   * etcd's TestHashKVWhenCompacting: while writes and compactions run, the hash at a fixed revision
   * takes one value per compaction revision, however far that compaction's deletion got.
   */
  @Test
  void theHashAtARevisionDependsOnlyOnTheCompactionRevisionWhileWritesAndDeletionsRun() throws Exception {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      int keys = 10;
      for (int i = 0; i < 3000; i++) {
        put(kv, be, "k" + (i % keys), "v" + i);
      }
      long hashed = kv.currentRevision();
      Map<Long, Set<Integer>> seen = new ConcurrentHashMap<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        Thread t = new Thread(() -> {
          try {
            while (!stop.get()) {
              KvHash h = kv.hashByRev(hashed);
              seen.computeIfAbsent(h.compactRevision(), c -> ConcurrentHashMap.newKeySet()).add(h.hash());
            }
          } catch (Throwable e) {
            failed.set(e);
          }
        });
        t.start();
        readers.add(t);
      }
      List<CompletableFuture<Void>> deletions = new ArrayList<>();
      for (long c = 500; c <= hashed; c += 500) {
        deletions.add(compactUnpublished(kv, be, c));
        for (int i = 0; i < 50; i++) {
          put(kv, be, "k" + (i % keys), "later" + i);
        }
      }
      for (CompletableFuture<Void> d : deletions) {
        d.get(30, TimeUnit.SECONDS);
      }
      KvHash settled = kv.hashByRev(hashed);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!seen.containsKey(settled.compactRevision()) && failed.get() == null && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      stop.set(true);
      for (Thread t : readers) {
        t.join();
      }
      if (failed.get() != null) {
        throw new AssertionError("a reader failed", failed.get());
      }
      for (Map.Entry<Long, Set<Integer>> e : seen.entrySet()) {
        assertEquals(1, e.getValue().size(), "compact revision " + e.getKey() + ": hashes " + e.getValue());
      }
      assertEquals(Set.of(settled.hash()), seen.get(settled.compactRevision()));
      assertTrue(seen.size() > 1, "the readers saw a single compaction revision: " + seen.keySet());
    }
  }
}
