package io.ketch.server.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot reads the backend as it was when taken, whatever is committed after. */
class RocksBackendSnapshotTest {
  @TempDir
  Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void write(Backend be, String bucket, String key, String value) {
    try (Backend.Batch batch = be.newBatch()) {
      if (value == null) {
        batch.delete(bucket, b(key));
      } else {
        batch.put(bucket, b(key), b(value));
      }
      be.commit(batch);
    }
  }

  private static List<String> keys(Backend.Snapshot s, String bucket, String from, String to) {
    List<String> out = new ArrayList<>();
    s.scan(bucket, from == null ? null : b(from), to == null ? null : b(to), (k, v) -> {
      out.add(new String(k, StandardCharsets.UTF_8) + "=" + new String(v, StandardCharsets.UTF_8));
      return true;
    });
    return out;
  }

  @Test
  void laterCommitsAndDeletionsAreInvisible() {
    try (RocksBackend be = RocksBackend.open(dir)) {
      write(be, Schema.KEY, "a", "1");
      write(be, Schema.KEY, "b", "2");
      write(be, Schema.META, "m", "x");
      try (Backend.Snapshot s = be.snapshot()) {
        write(be, Schema.KEY, "a", "changed");
        write(be, Schema.KEY, "b", null);
        write(be, Schema.KEY, "c", "3");
        write(be, Schema.META, "m", null);

        assertEquals(List.of("a=1", "b=2"), keys(s, Schema.KEY, null, null));
        assertEquals(List.of("b=2"), keys(s, Schema.KEY, "b", "c"));
        assertArrayEquals(b("1"), s.get(Schema.KEY, b("a")));
        assertNull(s.get(Schema.KEY, b("c")));
        assertArrayEquals(b("x"), s.get(Schema.META, b("m")));
      }
      assertArrayEquals(b("changed"), be.get(Schema.KEY, b("a")));
      assertNull(be.get(Schema.KEY, b("b")));
    }
  }
}
