package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.api.mvccpb.KeyValue;
import io.ketch.client.Client;
import io.ketch.server.admin.SnapshotCommand;
import io.ketch.server.admin.SnapshotStatus;
import io.ketch.server.storage.RocksBackend;
import io.ketch.server.storage.Schema;
import io.ketch.server.storage.SnapshotArchive;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Maintenance.Snapshot through etcdctl's {@code snapshot save}: the file holds a consistent copy of
 * the store (every write acknowledged before the save began, at their last values) while writes go
 * on, and its trailing SHA-256 catches damage and truncation.
 */
class SnapshotBackupTest {
  @Test
  void etcdctlSavesABackupWhileWritesGoOn() throws Exception {
    Path dir = TestDirs.newDir("snapshot-backup");
    try (KetchNode ketch = new KetchNode(); Client c = ClientFixture.client(ketch)) {
      for (int i = 0; i < 500; i++) {
        get(c.kv().put(bs("k/" + i), bs("v" + i)));
      }
      get(c.kv().put(bs("k/0"), bs("last")));
      long before = get(c.kv().get(bs("k/0"))).getHeader().getRevision();

      // writers keep going during the save
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong during = new AtomicLong();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        while (!stop.get()) {
          try {
            c.kv().put(bs("during/" + during.get()), bs("x")).get(20, TimeUnit.SECONDS);
            during.incrementAndGet();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      Path file = dir.resolve("backup.db");
      Etcdctl.Result saved = Etcdctl.exec(java.util.List.of(ketch.address()), "snapshot", "save", file.toString());
      stop.set(true);
      writer.get(30, TimeUnit.SECONDS);
      assertEquals(0, saved.exit(), saved.stdout() + saved.stderr());
      assertTrue(saved.stdout().contains("Snapshot saved at " + file), saved.stdout());

      // the backup holds what was acknowledged before it began, at its last value
      Path extracted = dir.resolve("extracted");
      String sha = SnapshotArchive.extract(file, extracted);
      assertEquals(64, sha.length());
      Map<String, KeyValue> latest = new HashMap<>();
      long[] maxRevision = {0};
      try (RocksBackend be = RocksBackend.open(extracted)) {
        be.scan(Schema.KEY, new byte[0], null, (k, v) -> {
          try {
            KeyValue kv = KeyValue.parseFrom(v);
            latest.put(kv.getKey().toStringUtf8(), kv);
            maxRevision[0] = Math.max(maxRevision[0], kv.getModRevision());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          return true;
        });
      }
      assertTrue(maxRevision[0] >= before, "backup at revision " + maxRevision[0] + " < " + before);
      assertEquals("last", latest.get("k/0").getValue().toStringUtf8());
      for (int i = 1; i < 500; i++) {
        assertEquals("v" + i, latest.get("k/" + i).getValue().toStringUtf8(), "k/" + i);
      }
      assertTrue(during.get() > 0, "no write completed during the save");

      // ketch snapshot status, as etcdutl's
      SnapshotStatus status = SnapshotStatus.of(file);
      assertEquals(maxRevision[0], status.revision());
      assertTrue(status.totalKeys() >= 500 + during.get() / 2, "keys: " + status.totalKeys());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertEquals(0, SnapshotCommand.run(new String[] {"status", file.toString(), "-w", "json"},
          new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
      assertEquals(String.format("{\"hash\":%d,\"revision\":%d,\"totalKey\":%d,\"totalSize\":%d}%n",
          Integer.toUnsignedLong(status.hash()), status.revision(), status.totalKeys(), status.totalSize()),
          out.toString(StandardCharsets.UTF_8));
      String table = status.format("table");
      assertTrue(table.contains("|   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |")
          || table.contains("| REVISION | TOTAL KEYS | TOTAL SIZE |"), table);
    } finally {
      TestDirs.delete(dir);
    }
  }

  @Test
  void aDamagedOrTruncatedBackupIsRefused() throws Exception {
    Path dir = TestDirs.newDir("snapshot-damaged");
    try (KetchNode ketch = new KetchNode(); Client c = ClientFixture.client(ketch)) {
      get(c.kv().put(bs("a"), bs("1")));
      Path file = dir.resolve("backup.db");
      Etcdctl.Result saved = Etcdctl.exec(java.util.List.of(ketch.address()), "snapshot", "save", file.toString());
      assertEquals(0, saved.exit(), saved.stderr());
      byte[] bytes = Files.readAllBytes(file);

      Path flipped = dir.resolve("flipped.db");
      byte[] damaged = bytes.clone();
      damaged[damaged.length / 2] ^= 0x01;
      Files.write(flipped, damaged);
      var e = assertThrows(SnapshotArchive.CorruptSnapshotException.class,
          () -> SnapshotArchive.extract(flipped, dir.resolve("x1")));
      assertTrue(e.getMessage().contains("damaged or truncated"), e.getMessage());

      Path truncated = dir.resolve("truncated.db");
      Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 100));
      assertThrows(SnapshotArchive.CorruptSnapshotException.class,
          () -> SnapshotArchive.extract(truncated, dir.resolve("x2")));
      assertTrue(!Files.exists(dir.resolve("x1")) && !Files.exists(dir.resolve("x2")), "nothing extracted");

      SnapshotArchive.extract(file, dir.resolve("ok")); // the intact one is accepted

      // ketch snapshot status refuses the damaged one with the reason, and exits 1
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertEquals(1, SnapshotCommand.run(new String[] {"status", flipped.toString()}, System.out,
          new PrintStream(err, true, StandardCharsets.UTF_8)));
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("damaged or truncated"), err.toString());
    } finally {
      TestDirs.delete(dir);
    }
  }
}
