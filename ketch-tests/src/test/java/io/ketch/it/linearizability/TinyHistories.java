package io.ketch.it.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Tiny histories, 2 to 7 operations on one key over three values, to hold the checker to {@link
 * BruteForceChecker}.
 */
enum TinyHistories {
  /** Random times and results: most are not linearizable. */
  RANDOM {
    @Override
    List<Operation> next(Random rnd) {
      List<Operation> ops = new ArrayList<>();
      int n = 2 + rnd.nextInt(6);
      for (int i = 0; i < n; i++) {
        long invoke = rnd.nextInt(20);
        Op op = randomOp(rnd);
        Result result = op instanceof Op.Get ? Result.read(VALUES[rnd.nextInt(4)])
            : op instanceof Op.Cas && rnd.nextBoolean() ? Result.failed() : Result.ok();
        ops.add(rnd.nextInt(5) == 0
            ? Operation.indeterminate("c" + i, "k", op, invoke)
            : Operation.completed("c" + i, "k", op, invoke, invoke + rnd.nextInt(10), result));
      }
      return ops;
    }
  },
  /**
   * Operations taking effect at random points in their intervals, and a third of them timing out
   * and taking effect later or never; then half the time one result or completion is changed:
   * histories near the boundary.
   */
  PERTURBED {
    @Override
    List<Operation> next(Random rnd) {
      int n = 2 + rnd.nextInt(6);
      long[] invoke = new long[n];
      long[] complete = new long[n];
      long[] effect = new long[n];
      Op[] ops = new Op[n];
      boolean[] timedOut = new boolean[n];
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        invoke[i] = rnd.nextInt(40);
        complete[i] = invoke[i] + rnd.nextInt(30);
        timedOut[i] = rnd.nextInt(3) == 0;
        effect[i] = timedOut[i] ? (rnd.nextBoolean() ? invoke[i] + rnd.nextInt(100) : Long.MAX_VALUE)
            : invoke[i] + rnd.nextInt((int) (complete[i] - invoke[i]) + 1);
        ops[i] = randomOp(rnd);
        order.add(i);
      }
      order.sort(Comparator.comparingLong(i -> effect[i]));
      Result[] results = new Result[n];
      String register = Op.ABSENT;
      for (int i : order) {
        if (effect[i] == Long.MAX_VALUE) {
          continue;
        }
        if (ops[i] instanceof Op.Put p) {
          register = p.value();
          results[i] = Result.ok();
        } else if (ops[i] instanceof Op.Delete) {
          register = Op.ABSENT;
          results[i] = Result.ok();
        } else if (ops[i] instanceof Op.Cas c) {
          boolean applies = Objects.equals(register, c.expected());
          register = applies ? c.value() : register;
          results[i] = applies ? Result.ok() : Result.failed();
        } else {
          results[i] = Result.read(register);
        }
      }
      int changed = rnd.nextBoolean() ? rnd.nextInt(n) : -1;
      List<Operation> history = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (timedOut[i]) {
          history.add(Operation.indeterminate("c" + i, "k", ops[i], invoke[i]));
        } else if (i != changed) {
          history.add(Operation.completed("c" + i, "k", ops[i], invoke[i], complete[i], results[i]));
        } else if (ops[i] instanceof Op.Get) {
          Result misread = Result.read(VALUES[rnd.nextInt(4)]);
          history.add(Operation.completed("c" + i, "k", ops[i], invoke[i], complete[i], misread));
        } else {
          Result other = ops[i] instanceof Op.Cas && results[i].equals(Result.ok()) ? Result.failed() : Result.ok();
          history.add(Operation.completed("c" + i, "k", ops[i], invoke[i], invoke[i], other));
        }
      }
      return history;
    }
  };

  private static final String[] VALUES = {Op.ABSENT, "a", "b", "c"};

  abstract List<Operation> next(Random rnd);

  private static Op randomOp(Random rnd) {
    int kind = rnd.nextInt(100);
    if (kind < 35) {
      return Op.get();
    } else if (kind < 65) {
      return Op.put(VALUES[1 + rnd.nextInt(3)]);
    } else if (kind < 90) {
      return Op.cas(VALUES[rnd.nextInt(4)], VALUES[1 + rnd.nextInt(3)]);
    }
    return Op.delete();
  }
}
