package io.ketch.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.server.storage.Backend;
import io.ketch.server.storage.RocksBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch that reaches the log twice is applied once, on every member and across restarts: the
 * window of each proposer takes batches out of order, skips copies, and writes off numbers far
 * behind the newest.
 */
class ProposerSessionsTest {
  @TempDir
  Path dir;

  private static boolean apply(RocksBackend backend, ProposerSessions s, long proposer, long seq) {
    try (Backend.Batch b = backend.newBatch()) {
      boolean first = s.firstApply(b, proposer, seq);
      backend.commit(b);
      return first;
    }
  }

  @Test
  void copiesAreSkippedInAnyOrderAndAcrossARestart() {
    try (RocksBackend backend = RocksBackend.open(dir)) {
      ProposerSessions s = ProposerSessions.load(backend);
      assertTrue(apply(backend, s, 7, 1));
      assertTrue(apply(backend, s, 7, 3), "a nudge ahead of the batch before it");
      assertFalse(apply(backend, s, 7, 1), "the copy of batch 1");
      assertTrue(apply(backend, s, 7, 2), "batch 2 arrives late, after a leader change: still applied");
      assertFalse(apply(backend, s, 7, 3));
      assertTrue(apply(backend, s, 8, 1), "proposers are independent");
      assertTrue(apply(backend, s, 7, 0), "unnumbered batches (older logs) are always applied");
      assertTrue(apply(backend, s, 7, 0));

      ProposerSessions reloaded = ProposerSessions.load(backend);
      assertEquals(2, reloaded.size());
      assertFalse(apply(backend, reloaded, 7, 2), "a replayed copy after a restart");
      assertTrue(apply(backend, reloaded, 7, 4));
    }
  }

  @Test
  void numbersFarBehindTheNewestAreWrittenOff() {
    try (RocksBackend backend = RocksBackend.open(dir)) {
      ProposerSessions s = ProposerSessions.load(backend);
      assertTrue(apply(backend, s, 7, 2)); // batch 1 never made it to the log
      assertTrue(apply(backend, s, 7, 2 + ProposerSessions.WINDOW));
      assertFalse(apply(backend, s, 7, 1), "a batch " + ProposerSessions.WINDOW
          + " numbers behind: its proposer gave up on it long ago");
      assertTrue(apply(backend, s, 7, 3));
      assertTrue(apply(backend, s, 7, 1000));
      assertFalse(apply(backend, s, 7, 1000));
    }
  }
}
