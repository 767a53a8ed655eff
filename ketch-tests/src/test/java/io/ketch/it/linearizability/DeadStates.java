package io.ketch.it.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The search's memo: states from which it has already failed to linearize the rest of a key's
 * history, and a test of whether a new state is no better than one of them.
 *
 * <p>A state is (D, I, s): the completed operations taken so far (D), the indeterminate ones taken
 * so far (I, up to twins: see {@link IndeterminatePool#canonical}), and the register's value (s).
 *
 * <p>Invariant: dead state (D, I, s) dominates (D, I', s) when I ⊆ I': every way to finish from
 * the latter is a way to finish from the former, which has the same completed operations left and
 * the same value, and at least the same indeterminate operations still available. So a dominated
 * state is dead too. Plain equality of states, as Porcupine and Knossos memoise, is the special
 * case; the generalisation stops indeterminate operations, which never have to be taken, from
 * multiplying the states to refute.
 *
 * <p>States are grouped by (D, s), each group's taken sets kept free of sets another dominates. D
 * is kept compactly: in a long history it is all ones up to a short window of operations in
 * flight, so a group stores only the words from the first that is not all ones to the last that is
 * not zero.
 */
final class DeadStates {
  private final Map<Group, List<long[]>> groups = new HashMap<>();
  /** Looks groups up by the caller's live bit set, without copying it. */
  private final Group probe = new Group();
  private int size;

  /** Whether a dead state dominates (completed, indeterminate, state); {@code hash} is completed's. */
  boolean dominates(long[] completed, long hash, long[] indeterminate, int state) {
    List<long[]> sets = groups.get(probe.set(completed, hash, state));
    if (sets == null) {
      return false;
    }
    for (long[] set : sets) {
      if (subset(set, indeterminate)) {
        return true;
      }
    }
    return false;
  }

  /** Records that (completed, indeterminate, state) is dead; the arrays are copied. */
  void add(long[] completed, long hash, long[] indeterminate, int state) {
    List<long[]> sets = groups.get(probe.set(completed, hash, state));
    if (sets == null) {
      sets = new ArrayList<>(1);
      groups.put(new Group().set(completed, hash, state).compact(), sets);
    }
    long[] added = indeterminate.clone();
    size -= sets.size();
    sets.removeIf(set -> subset(added, set));
    sets.add(added);
    size += sets.size();
  }

  /** How many states are kept. */
  int size() {
    return size;
  }

  private static boolean subset(long[] a, long[] b) {
    for (int w = 0; w < a.length; w++) {
      if ((a[w] & ~b[w]) != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * (D, s), with D as {@code ones} all-ones words followed by {@code words[from..to)} and then
   * zeros. Mutable only as the probe.
   */
  private static final class Group {
    private int ones;
    private long[] words;
    private int from;
    private int to;
    private int state;
    private int hash;

    Group set(long[] completed, long completedHash, int state) {
      int first = 0;
      while (first < completed.length && completed[first] == -1L) {
        first++;
      }
      int last = completed.length;
      while (last > first && completed[last - 1] == 0) {
        last--;
      }
      this.ones = first;
      this.words = completed;
      this.from = first;
      this.to = last;
      this.state = state;
      long h = (completedHash ^ state * 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
      this.hash = (int) (h ^ h >>> 32);
      return this;
    }

    Group compact() {
      words = Arrays.copyOfRange(words, from, to);
      to -= from;
      from = 0;
      return this;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Group g && g.hash == hash && g.state == state && g.ones == ones
          && Arrays.equals(g.words, g.from, g.to, words, from, to);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
