package io.ketch.it.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The search for a linearization of one key's history: Wing &amp; Gong's algorithm with Lowe's
 * memoisation (WGL), as in Porcupine, extended for indeterminate operations.
 *
 * <p>Design: the completed operations' calls and returns form one doubly linked list in time order
 * (a call before a return at the same instant: those operations may overlap). The operations that
 * may take effect next are those whose calls come before the first return in the list, the
 * frontier; taking one lifts its call and return out of the list, and backtracking links them back
 * in, last lifted first. A state from which every way on has failed is memoised in {@link
 * DeadStates}, and so is refuted whenever it, or a state it dominates, comes up again.
 *
 * <p>Indeterminate operations complete at infinity: they never bound when others must take effect,
 * and each may be taken at any point after its invocation, or never. The search succeeds as soon as
 * every completed operation is taken. Taking them freely would multiply the search by every subset
 * of them, so it takes them only in the shapes a linearization can be reduced to. Any linearization
 * can be rewritten, dropping indeterminate operations or moving them later, into one where each
 * maximal run of consecutive indeterminate operations, from register value s:
 *
 * <ol>
 *   <li>never brings the register back to s (drop the run up to there);
 *   <li>is followed by no blind write, put or delete (drop the run: the write erases it);
 *   <li>is followed by a completed operation that could not have taken effect in s, one the run
 *       enables (else that operation is a cas failing both in s and after the run: move it first).
 * </ol>
 *
 * <p>So runs are tried only in those shapes: an indeterminate write is taken just before an
 * operation that needs it. Within a run, only a cas expecting the current value may follow. {@link
 * IndeterminatePool} adds that of interchangeable indeterminate operations only one is tried, and
 * the memo compares taken sets up to such twins. Completed operations are tried before
 * indeterminate ones, so states reached with fewer indeterminate operations, which dominate the
 * same states reached with more, tend to be refuted first. A state reached by an indeterminate
 * operation ("restricted") has fewer ways on than the same state otherwise, so it is not memoised.
 */
final class WglSearch {
  enum Outcome { LINEARIZABLE, NOT_LINEARIZABLE, GAVE_UP }

  /**
   * Where the search got furthest: after {@code linearized} completed operations, the last of them
   * {@code recent}, the register held {@code register} (null if absent); then none of {@code
   * pending} (completed operations invoked before the first of them had to complete, {@code
   * blocking}) could follow.
   */
  record Furthest(int linearized, String register, List<RegisterOp> recent, List<RegisterOp> pending,
      RegisterOp blocking) {}

  private static final int NONE = -1;
  private static final int UNRESTRICTED = -2;
  private static final int RECENT = 8;
  /** Frame phases: the completed list, then each of the pool's lists. */
  private static final int COMPLETED = 0;

  private final long maxStates;
  private final RegisterOp[] completed;
  private final IndeterminatePool pool;
  private final Entry head = new Entry(NONE, true, Long.MIN_VALUE);
  private final Entry tail = new Entry(NONE, false, Long.MAX_VALUE);
  private final Entry[] calls;
  private final long[] zobrist;

  private final long[] taken;
  private long takenHash;
  private int left;
  private final DeadStates dead = new DeadStates();
  /** The path: frame 0 is the initial state, frame d the state after d operations. */
  private final Frame[] frames;
  private int depth;
  private long explored;
  private Furthest furthest;

  WglSearch(KeyHistory history, long maxStates) {
    this.maxStates = maxStates;
    this.completed = history.completed.toArray(new RegisterOp[0]);
    this.pool = new IndeterminatePool(history.indeterminate, history.valueCount());
    int n = completed.length;
    this.calls = new Entry[n];
    List<Entry> events = new ArrayList<>(2 * n);
    for (int i = 0; i < n; i++) {
      calls[i] = new Entry(i, true, completed[i].invoke());
      calls[i].match = new Entry(i, false, completed[i].complete());
      events.add(calls[i]);
      events.add(calls[i].match);
    }
    events.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
    Entry prev = head;
    for (Entry e : events) {
      prev.next = e;
      e.prev = prev;
      prev = e;
    }
    prev.next = tail;
    tail.prev = prev;
    this.zobrist = new SplittableRandom(n).longs(n).toArray();
    this.taken = new long[(n + 63) / 64];
    this.left = n;
    this.frames = new Frame[n + history.indeterminate.size() + 1];
    Arrays.setAll(frames, i -> new Frame());
  }

  Outcome run() {
    frames[0].enter(NONE, RegisterOp.ABSENT, UNRESTRICTED, head.next);
    noteProgress();
    while (left > 0) {
      Frame f = frames[depth];
      int c = next(f);
      if (c == NONE) {
        if (depth == 0) {
          return Outcome.NOT_LINEARIZABLE;
        }
        if (!f.restricted()) {
          dead.add(taken, takenHash, pool.canonical(), f.state);
        }
        undo(f.via);
        depth--;
        continue;
      }
      RegisterOp op = op(c);
      int state = op.apply(f.state);
      if (state == RegisterOp.REJECT
          || op.indeterminate && (state == f.origin() || !enablesNext(state, f.origin(), f.frontier))) {
        continue;
      }
      take(c);
      if (dead.dominates(taken, takenHash, pool.canonical(), state)) {
        untake(c);
        continue;
      }
      if (explored == maxStates) {
        return Outcome.GAVE_UP;
      }
      explored++;
      if (!op.indeterminate) {
        lift(c);
      }
      frames[++depth].enter(c, state, op.indeterminate ? f.origin() : UNRESTRICTED, head.next);
      if (!op.indeterminate) {
        noteProgress();
      }
    }
    return Outcome.LINEARIZABLE;
  }

  long explored() {
    return explored;
  }

  Furthest furthest() {
    return furthest;
  }

  /**
   * The next operation {@code f}'s state may try, or {@link #NONE}; advances {@code f}'s cursor.
   * Completed operations are numbered from 0, indeterminate ones from {@code completed.length}.
   */
  private int next(Frame f) {
    if (f.phase == COMPLETED) {
      for (Entry e = f.cursor; ; e = e.next) {
        if (!e.call) {
          f.frontier = e.time;
          f.phase = 1;
          f.position = 0;
          break;
        }
        if (!f.restricted() || enables(completed[e.op], f.state, f.origin)) {
          f.cursor = e.next;
          return e.op;
        }
      }
    }
    if (f.restricted()) {
      return nextIndeterminate(f, pool.casExpecting(f.state));
    }
    for (; f.phase <= IndeterminatePool.LISTS; f.phase++, f.position = 0) {
      int j = nextIndeterminate(f, pool.list(f.phase - 1));
      if (j != NONE) {
        return j;
      }
    }
    return NONE;
  }

  private int nextIndeterminate(Frame f, int[] byInvocation) {
    while (f.position < byInvocation.length && pool.op(byInvocation[f.position]).invoke() <= f.frontier) {
      int j = byInvocation[f.position++];
      if (pool.available(j, f.frontier)) {
        return completed.length + j;
      }
    }
    return NONE;
  }

  /**
   * Whether a run of indeterminate operations from {@code origin} to {@code state} may be followed
   * by something: a completed operation it enables, or an indeterminate cas expecting {@code
   * state}. Saves taking the run only to find nothing may follow.
   */
  private boolean enablesNext(int state, int origin, long frontier) {
    for (Entry e = head.next; e.call; e = e.next) {
      if (enables(completed[e.op], state, origin)) {
        return true;
      }
    }
    for (int j : pool.casExpecting(state)) {
      if (pool.op(j).invoke() > frontier) {
        break;
      }
      if (pool.available(j, frontier)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether completed {@code op} may follow a run of indeterminate operations that took the
   * register from {@code origin} to {@code state}: only if it needs the run, being no blind write,
   * possible in {@code state} and impossible in {@code origin} (rules 2 and 3).
   */
  private static boolean enables(RegisterOp op, int state, int origin) {
    return !op.blind() && op.apply(state) != RegisterOp.REJECT && op.apply(origin) == RegisterOp.REJECT;
  }

  private RegisterOp op(int c) {
    return c < completed.length ? completed[c] : pool.op(c - completed.length);
  }

  private void take(int c) {
    if (c < completed.length) {
      flip(taken, c);
      takenHash ^= zobrist[c];
      left--;
    } else {
      pool.take(c - completed.length);
    }
  }

  private void untake(int c) {
    if (c < completed.length) {
      flip(taken, c);
      takenHash ^= zobrist[c];
      left++;
    } else {
      pool.giveBack(c - completed.length);
    }
  }

  private void undo(int c) {
    if (c < completed.length) {
      unlift(c);
    }
    untake(c);
  }

  private void lift(int c) {
    Entry e = calls[c];
    e.prev.next = e.next;
    e.next.prev = e.prev;
    Entry r = e.match;
    r.prev.next = r.next;
    r.next.prev = r.prev;
  }

  private void unlift(int c) {
    Entry e = calls[c];
    Entry r = e.match;
    r.prev.next = r;
    r.next.prev = r;
    e.prev.next = e;
    e.next.prev = e;
  }

  private void noteProgress() {
    int linearized = completed.length - left;
    if (furthest != null && linearized <= furthest.linearized) {
      return;
    }
    List<RegisterOp> recent = new ArrayList<>();
    for (int d = Math.max(1, depth - RECENT + 1); d <= depth; d++) {
      recent.add(op(frames[d].via));
    }
    List<RegisterOp> pending = new ArrayList<>();
    Entry e = head.next;
    for (; e.call; e = e.next) {
      pending.add(completed[e.op]);
    }
    furthest = new Furthest(linearized, register(), recent, pending, e == tail ? null : completed[e.op]);
  }

  /** The register's value on the path, as written: the state may be a merged unobserved value. */
  private String register() {
    for (int d = depth; d > 0; d--) {
      RegisterOp op = op(frames[d].via);
      if (op.blind() || op.kind == RegisterOp.Kind.CAS && frames[d - 1].state == op.expected) {
        Op written = op.source.op();
        return written instanceof Op.Put p ? p.value() : written instanceof Op.Cas c ? c.value() : Op.ABSENT;
      }
    }
    return Op.ABSENT;
  }

  private static void flip(long[] bits, int i) {
    bits[i >>> 6] ^= 1L << i;
  }

  /** A call or return in the list of completed operations; sentinels have no operation. */
  private static final class Entry {
    final int op;
    final boolean call;
    final long time;
    Entry prev;
    Entry next;
    /** From a call: its return. */
    Entry match;

    Entry(int op, boolean call, long time) {
      this.op = op;
      this.call = call;
      this.time = time;
    }
  }

  /** One state on the search's path, with its place among what it may try next. */
  private static final class Frame {
    /** The operation taken to reach this state. */
    int via;
    int state;
    /**
     * If reached by a run of indeterminate operations, what the register held before the run;
     * else UNRESTRICTED.
     */
    int origin;
    /** COMPLETED, or 1 + which of the pool's lists is being tried. */
    int phase;
    Entry cursor;
    int position;
    /** The first return in the completed list: nothing invoked after it may be taken. */
    long frontier;

    void enter(int via, int state, int origin, Entry first) {
      this.via = via;
      this.state = state;
      this.origin = origin;
      this.phase = COMPLETED;
      this.cursor = first;
      this.position = 0;
    }

    boolean restricted() {
      return origin != UNRESTRICTED;
    }

    /** What the register held before the run of indeterminate operations reaching here, if any. */
    int origin() {
      return restricted() ? origin : state;
    }
  }
}
