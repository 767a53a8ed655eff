package io.ketch.server.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory's watchdog: quiet while the directories are there and writable, loud once. */
class DataDirGuardTest {
  @TempDir
  Path dir;

  @Test
  void aMissingDirectoryIsReportedOnceAndAMomentaryRenameIsNot() throws Exception {
    Path member = Files.createDirectories(dir.resolve("member"));
    Path db = Files.createDirectories(member.resolve("db"));
    List<String> reported = new ArrayList<>();
    DataDirGuard guard = new DataDirGuard(dir, List.of(member, db), reported::add);
    try {
      assertNull(guard.check());
      assertTrue(Files.list(member).noneMatch(p -> p.getFileName().toString().startsWith(".ketch-probe")),
          "the probe file is removed");

      // as a snapshot swap does: the database directory is away for an instant
      Path away = member.resolve("db.outgoing");
      Files.move(db, away);
      Thread back = new Thread(() -> {
        try {
          Thread.sleep(20);
          Files.move(away, db);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      back.start();
      assertNull(guard.check());
      back.join();
      assertEquals(List.of(), reported);

      Files.delete(db);
      String problem = guard.check();
      assertTrue(problem.contains("does not exist any more"), problem);
      guard.check();
      assertEquals(1, reported.size(), "told once: " + reported);
    } finally {
      guard.close();
    }
  }
}
