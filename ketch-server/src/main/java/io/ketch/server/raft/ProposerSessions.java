package io.ketch.server.raft;

import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Schema;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Which batches of each proposer have been applied, so that a batch which reaches the log twice is
 * applied once. That happens when a proposer re-sends a batch after a leader change while the first
 * copy sits uncommitted in the new leader's log: Ratis's retry cache learns of a request only when
 * it is applied, so the new leader appends the copy, and both commit.
 *
 * <p>Invariants: decisions depend only on the log, so every member applies the same entries. The
 * window of a proposer is persisted (bucket {@code meta}, key {@code proposer/<id>}) in the same
 * backend batch as the entry's effects, so a restart that replays the log tail decides as before.
 *
 * <p>Per proposer the window is a floor and a bitmap: every batch numbered up to {@code floor} has
 * been applied or will never be (its proposer gave up on it), and bit {@code i} says batch
 * {@code floor + 1 + i} has been applied. A proposer has at most two batches in flight, so copies
 * arrive within a few numbers of each other; a batch more than {@value #WINDOW} numbers ahead moves
 * the floor up and writes off the oldest numbers, whose proposer stopped waiting long ago.
 *
 * <p>Apply thread only.
 */
final class ProposerSessions {
  static final int WINDOW = 64;
  private static final byte[] KEY_PREFIX = Schema.PROPOSER_PREFIX;

  /** A proposer's window: batches up to floor are done, bit i is batch floor + 1 + i. */
  private static final class Window {
    long floor;
    long bits;
  }

  private final Map<Long, Window> windows = new HashMap<>();

  /** Loads every proposer's window from the backend. */
  static ProposerSessions load(Backend backend) {
    ProposerSessions s = new ProposerSessions();
    byte[] end = Arrays.copyOf(KEY_PREFIX, KEY_PREFIX.length);
    end[end.length - 1]++;
    backend.scan(Schema.META, KEY_PREFIX, end, (k, v) -> {
      long proposer = ByteBuffer.wrap(k, KEY_PREFIX.length, 8).getLong();
      ByteBuffer b = ByteBuffer.wrap(v);
      Window w = new Window();
      w.floor = b.getLong();
      w.bits = b.getLong();
      s.windows.put(proposer, w);
      return true;
    });
    return s;
  }

  /** How many proposers have a window (tests). */
  int size() {
    return windows.size();
  }

  /**
   * Records that {@code proposer}'s batch {@code seq} is being applied, in {@code writes}; returns
   * false when it was applied before (or written off), and must be skipped. Batches without a number
   * (seq 0, written before batches were numbered) are always applied.
   */
  boolean firstApply(Backend.Batch writes, long proposer, long seq) {
    if (seq == 0) {
      return true;
    }
    Window w = windows.computeIfAbsent(proposer, p -> new Window());
    if (seq <= w.floor) {
      return false;
    }
    if (seq > w.floor + WINDOW) {
      long shift = seq - WINDOW - w.floor;
      w.bits = shift >= WINDOW ? 0 : w.bits >>> shift;
      w.floor += shift;
    }
    long bit = 1L << (seq - w.floor - 1);
    if ((w.bits & bit) != 0) {
      return false;
    }
    w.bits |= bit;
    while ((w.bits & 1) != 0) {
      w.bits >>>= 1;
      w.floor++;
    }
    writes.put(Schema.META, key(proposer), ByteBuffer.allocate(16).putLong(w.floor).putLong(w.bits).array());
    return true;
  }

  private static byte[] key(long proposer) {
    return ByteBuffer.allocate(KEY_PREFIX.length + 8).put(KEY_PREFIX).putLong(proposer).array();
  }
}
