package io.ketch.it.linearizability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The indeterminate operations of one key, for {@link WglSearch}: which may be taken next, which
 * are taken, and the taken set as memoisation sees it.
 *
 * <p>Twins: indeterminate operations with the same effect (kind, expected and written value, after
 * {@link KeyHistory}'s merging of unobserved values; all deletes, say) differ only in when they
 * were invoked. Of twins invoked by the time the search is at, any serves now, but the earliest
 * invoked serves as well later as any other. So only the latest-invoked available twin may be
 * taken, and the memo counts how many of each twin class are taken rather than which: {@link
 * #canonical} marks, for a class with {@code k} taken, its first {@code k} members, so one taken
 * set dominates another exactly when its counts are no greater.
 *
 * <p>Order: operations writing an observed value (or deleting) come in one list and are tried
 * before those writing an unobserved value: these serve only to make a cas fail, and trying them
 * last lets the memo refute their states by ones reached without them.
 */
final class IndeterminatePool {
  static final int LISTS = 2;

  private final List<RegisterOp> ops;
  /** Per list, operation indices by invocation. */
  private final int[][] lists;
  /** By operation: the next one, by invocation, with the same effect; else -1. */
  private final int[] nextTwin;
  private final int[] twinClass;
  /** By twin class: its members by invocation. */
  private final int[][] members;
  private final int[] takenCount;
  private final long[] taken;
  private final long[] canonical;
  /** By value: the cas operations expecting it, by invocation. */
  private final int[][] casExpecting;

  IndeterminatePool(List<RegisterOp> ops, int values) {
    this.ops = ops;
    int m = ops.size();
    List<List<Integer>> byList = newLists(LISTS);
    List<List<Integer>> byExpected = newLists(values);
    Map<List<Object>, Integer> classes = new HashMap<>();
    List<List<Integer>> byClass = new ArrayList<>();
    this.twinClass = new int[m];
    for (int j = 0; j < m; j++) {
      RegisterOp op = ops.get(j);
      byList.get(op.value == KeyHistory.UNOBSERVED ? 1 : 0).add(j);
      if (op.kind == RegisterOp.Kind.CAS) {
        byExpected.get(op.expected).add(j);
      }
      twinClass[j] = classes.computeIfAbsent(List.of(op.kind, op.expected, op.value), k -> {
        byClass.add(new ArrayList<>());
        return byClass.size() - 1;
      });
      byClass.get(twinClass[j]).add(j);
    }
    this.lists = toArrays(byList);
    this.casExpecting = toArrays(byExpected);
    this.members = toArrays(byClass);
    this.nextTwin = new int[m];
    for (int[] cls : members) {
      for (int i = 0; i < cls.length; i++) {
        nextTwin[cls[i]] = i + 1 < cls.length ? cls[i + 1] : -1;
      }
    }
    this.takenCount = new int[members.length];
    this.taken = new long[(m + 63) / 64];
    this.canonical = new long[(m + 63) / 64];
  }

  RegisterOp op(int j) {
    return ops.get(j);
  }

  /** List {@code list}'s operations by invocation. */
  int[] list(int list) {
    return lists[list];
  }

  /** The cas operations expecting {@code value}, by invocation. */
  int[] casExpecting(int value) {
    return casExpecting[value];
  }

  /** Whether {@code j} may be taken now that {@code frontier} bounds invocations: see the class comment. */
  boolean available(int j, long frontier) {
    if (isTaken(j)) {
      return false;
    }
    for (int t = nextTwin[j]; t >= 0 && ops.get(t).invoke() <= frontier; t = nextTwin[t]) {
      if (!isTaken(t)) {
        return false;
      }
    }
    return true;
  }

  void take(int j) {
    flip(taken, j);
    int c = twinClass[j];
    flip(canonical, members[c][takenCount[c]++]);
  }

  /** Undoes the last {@link #take} of {@code j}'s class. */
  void giveBack(int j) {
    flip(taken, j);
    int c = twinClass[j];
    flip(canonical, members[c][--takenCount[c]]);
  }

  /** The taken set up to twins, as {@link DeadStates} compares them; live, not a copy. */
  long[] canonical() {
    return canonical;
  }

  private boolean isTaken(int j) {
    return (taken[j >>> 6] & 1L << j) != 0;
  }

  private static void flip(long[] bits, int i) {
    bits[i >>> 6] ^= 1L << i;
  }

  private static List<List<Integer>> newLists(int n) {
    List<List<Integer>> lists = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      lists.add(new ArrayList<>());
    }
    return lists;
  }

  private static int[][] toArrays(List<List<Integer>> lists) {
    return lists.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
  }
}
