package io.ketch.server.mvcc;

import static io.ketch.server.mvcc.StoreWrites.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.RocksBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on a real RocksDB in a temp directory. */
class KvStoreTest {
  @TempDir
  Path dir;

  private static byte[] k(String s) {
    return s.getBytes();
  }


  @Test
  void revisionsVersionsAndHistory() {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      assertEquals(1, kv.currentRevision());
      write(kv, be, t -> t.put(k("a"), ByteString.copyFromUtf8("1"), 0));
      write(kv, be, t -> t.put(k("a"), ByteString.copyFromUtf8("2"), 0));
      write(kv, be, t -> {
        t.put(k("b"), ByteString.copyFromUtf8("x"), 0);
        t.deleteRange(k("a"), null);
      });
      assertEquals(4, kv.currentRevision());
      KeyValue old = kv.range(k("a"), null, new RangeOptions(0, 3, false)).kvs().get(0);
      assertEquals(2, old.getVersion());
      assertEquals(2, old.getCreateRevision());
      assertEquals(3, old.getModRevision());
      assertTrue(kv.range(k("a"), null, RangeOptions.ALL).kvs().isEmpty());
      RangeResult all = kv.range(k("\0"), new byte[0], RangeOptions.ALL);
      assertEquals(1, all.count());
      assertEquals(4, all.rev());
      assertThrows(MvccException.class, () -> kv.range(k("a"), null, new RangeOptions(0, 5, false)));
    }
  }

  @Test
  void unpublishedWritesAreInvisibleToReaders() {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      try (Backend.Batch b = be.newBatch()) {
        KvStore.WriteTxn t = kv.beginWrite(b);
        t.put(k("a"), ByteString.copyFromUtf8("1"), 0);
        t.end();
        assertTrue(kv.range(k("a"), null, RangeOptions.ALL).kvs().isEmpty(), "visible before publish");
        assertEquals(1, kv.beginWrite(b).range(k("a"), null, RangeOptions.ALL).kvs().size(), "apply sees it");
        be.commit(b);
      }
      kv.publish();
      assertEquals(1, kv.range(k("a"), null, RangeOptions.ALL).kvs().size());
    }
  }

  @Test
  void compactionRemovesHistoryAndSurvivesRestart() throws Exception {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      for (int i = 0; i < 5; i++) {
        String v = "v" + i;
        write(kv, be, t -> t.put(k("a"), ByteString.copyFromUtf8(v), 0));
      }
      write(kv, be, t -> t.put(k("gone"), ByteString.copyFromUtf8("x"), 0));
      write(kv, be, t -> t.deleteRange(k("gone"), null));
      var done = new java.util.concurrent.CompletableFuture[1];
      try (Backend.Batch b = be.newBatch()) {
        done[0] = kv.compact(7, b);
        be.commit(b);
      }
      kv.publish();
      done[0].get(10, TimeUnit.SECONDS);
      assertThrows(MvccException.class, () -> kv.range(k("a"), null, new RangeOptions(0, 5, false)));
      try (Backend.Batch b = be.newBatch()) {
        MvccException e = assertThrows(MvccException.class, () -> kv.compact(7, b));
        assertEquals(MvccException.Kind.COMPACTED, e.kind());
      }
      int[] left = {0};
      be.scan(io.ketch.server.storage.Schema.KEY, null, null, (kk, vv) -> {
        left[0]++;
        return true;
      });
      // a's latest (rev 6); "gone" was still live at 7, so its put and its tombstone (8) stay
      assertEquals(3, left[0]);
    }
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      assertEquals(8, kv.currentRevision());
      assertEquals(7, kv.compactRevision());
      List<KeyValue> a = kv.range(k("a"), null, RangeOptions.ALL).kvs();
      assertEquals("v4", a.get(0).getValue().toStringUtf8());
      assertEquals(5, a.get(0).getVersion());
    }
  }

  @Test
  void compactionBarrierWaitsForTheDeletions() throws Exception {
    try (RocksBackend be = RocksBackend.open(dir); KvStore kv = KvStore.open(be)) {
      for (int i = 0; i < 3000; i++) {
        String v = "v" + i;
        write(kv, be, t -> t.put(k("a"), ByteString.copyFromUtf8(v), 0));
      }
      try (Backend.Batch b = be.newBatch()) {
        kv.compact(kv.currentRevision(), b);
        be.commit(b);
      }
      kv.publish();
      kv.compactionBarrier().get(10, TimeUnit.SECONDS);
      int[] left = {0};
      be.scan(io.ketch.server.storage.Schema.KEY, null, null, (kk, vv) -> {
        left[0]++;
        return true;
      });
      assertEquals(1, left[0], "only a's latest revision is left");
    }
  }
}
