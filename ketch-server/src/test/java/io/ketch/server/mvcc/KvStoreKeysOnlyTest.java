package io.ketch.server.mvcc;

import static io.ketch.server.mvcc.StoreWrites.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.RocksBackend;
import io.ketch.server.storage.Schema;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A keys-only range is answered from the index alone: the same key-values as a full range less their
 * values (leases, revisions and versions included, at any revision, after a restart and a
 * compaction), with no value read from the backend.
 */
class KvStoreKeysOnlyTest {
  @TempDir
  Path dir;

  /** The real backend, counting the values read from the key bucket. */
  private static final class CountingBackend implements Backend {
    final RocksBackend real;
    final AtomicInteger valueReads = new AtomicInteger();

    CountingBackend(RocksBackend real) {
      this.real = real;
    }

    @Override
    public byte[] get(String bucket, byte[] key) {
      if (bucket.equals(Schema.KEY)) {
        valueReads.incrementAndGet();
      }
      return real.get(bucket, key);
    }

    @Override
    public Batch newBatch() {
      return real.newBatch();
    }

    @Override
    public void commit(Batch batch) {
      real.commit(batch);
    }

    @Override
    public void scan(String bucket, byte[] from, byte[] to, EntryVisitor visitor) {
      real.scan(bucket, from, to, visitor);
    }

    @Override
    public Snapshot snapshot() {
      return real.snapshot();
    }

    @Override
    public long sizeOnDisk() {
      return real.sizeOnDisk();
    }

    @Override
    public long sizeInUse() {
      return real.sizeInUse();
    }

    @Override
    public void defragment() {
      real.defragment();
    }

    @Override
    public void checkpoint(Path target) {
      real.checkpoint(target);
    }

    @Override
    public void replaceWith(Path checkpoint) throws java.io.IOException {
      real.replaceWith(checkpoint);
    }

    @Override
    public void close() {
      real.close();
    }
  }

  private static byte[] k(String s) {
    return s.getBytes();
  }


  @Test
  void keysOnlyReadsNoValueAndMatchesAFullRange() throws Exception {
    try (CountingBackend be = new CountingBackend(RocksBackend.open(dir))) {
      try (KvStore kv = KvStore.open(be)) {
        write(kv, be, t -> t.put(k("a"), ByteString.copyFromUtf8("1"), 7));
        write(kv, be, t -> t.put(k("a"), ByteString.copyFromUtf8("2"), 0));
        write(kv, be, t -> t.put(k("b"), ByteString.copyFromUtf8("x"), 9));
        write(kv, be, t -> t.deleteRange(k("b"), null));
        write(kv, be, t -> t.put(k("b"), ByteString.copyFromUtf8("y"), 11));
        write(kv, be, t -> t.put(k("c"), ByteString.copyFromUtf8("z"), 0));
        for (long rev : new long[] {0, 2, 3, 4, 5}) {
          assertSame(kv, be, rev);
        }
        StoreWrites.compact(kv, be, 3);
      }
      try (KvStore kv = KvStore.open(be)) { // a restart rebuilds the index, leases included
        for (long rev : new long[] {0, 5, 6}) {
          assertSame(kv, be, rev);
        }
      }
    }
  }

  private static void assertSame(KvStore kv, CountingBackend be, long rev) {
    List<KeyValue> full = kv.range(k("\0"), new byte[0], new RangeOptions(0, rev, false, false)).kvs();
    int before = be.valueReads.get();
    List<KeyValue> keys = kv.range(k("\0"), new byte[0], new RangeOptions(0, rev, false, true)).kvs();
    assertEquals(before, be.valueReads.get(), "a keys-only range read values at revision " + rev);
    assertEquals(full.stream().map(x -> x.toBuilder().clearValue().build()).toList(), keys, "at revision " + rev);
    if (rev == 0 || rev == 2 || rev == 4) {
      assertTrue(keys.stream().anyMatch(x -> x.getLease() != 0), "leases are part of the check at " + rev);
    }
  }
}
