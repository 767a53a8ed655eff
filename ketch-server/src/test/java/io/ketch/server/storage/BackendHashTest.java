package io.ketch.server.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ketch's whole-backend hash covers every bucket and depends only on the contents. */
class BackendHashTest {
  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static int hash(Backend be) {
    try (Backend.Snapshot s = be.snapshot()) {
      return BackendHash.of(s);
    }
  }

  private static void put(Backend be, String bucket, String key, String value) {
    try (Backend.Batch batch = be.newBatch()) {
      batch.put(bucket, b(key), b(value));
      be.commit(batch);
    }
  }

  @Test
  void anEmptyBackendHashesTheBucketNamesInSchemaOrder() {
    CRC32C crc = new CRC32C();
    Schema.BUCKETS.forEach(name -> crc.update(b(name)));
    try (RocksBackend be = RocksBackend.open(dir)) {
      assertEquals((int) crc.getValue(), hash(be));
    }
  }

  @Test
  void everyBucketCountsAndEqualContentsHashEqual() {
    try (RocksBackend one = RocksBackend.open(dir.resolve("one"));
        RocksBackend two = RocksBackend.open(dir.resolve("two"))) {
      Set<Integer> seen = new HashSet<>();
      seen.add(hash(one));
      for (String bucket : Schema.BUCKETS) {
        put(one, bucket, "k", "v");
        put(two, bucket, "k", "v");
        assertEquals(hash(one), hash(two), bucket);
        assertTrue(seen.add(hash(one)), () -> "a write to " + bucket + " did not change the hash");
      }
      put(two, Schema.META, "k", "other");
      assertNotEquals(hash(one), hash(two));
    }
  }
}
