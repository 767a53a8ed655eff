package io.ketch.it.linearizability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Linearizability by its definition, for tiny histories: tries every order of each key's
 * operations that respects real time, taking any subset of the indeterminate ones. Exponential, and
 * written apart from the checker's register model so that it can serve as the checker's oracle.
 */
final class BruteForceChecker {
  private BruteForceChecker() {}

  static boolean linearizable(List<Operation> history) {
    Map<String, List<Operation>> byKey = new LinkedHashMap<>();
    for (Operation o : history) {
      if (!(o.isIndeterminate() && o.op() instanceof Op.Get)) {
        byKey.computeIfAbsent(o.key(), k -> new ArrayList<>()).add(o);
      }
    }
    return byKey.values().stream().allMatch(ops -> search(ops, new boolean[ops.size()], Op.ABSENT));
  }

  private static boolean search(List<Operation> ops, boolean[] done, String register) {
    boolean allCompletedDone = true;
    for (int i = 0; i < ops.size(); i++) {
      allCompletedDone &= done[i] || ops.get(i).isIndeterminate();
    }
    if (allCompletedDone) {
      return true;
    }
    for (int i = 0; i < ops.size(); i++) {
      if (done[i] || !mayGoNext(ops, done, i)) {
        continue;
      }
      Operation o = ops.get(i);
      String[] after = new String[1];
      if (!step(o, register, after)) {
        continue;
      }
      done[i] = true;
      boolean found = search(ops, done, after[0]);
      done[i] = false;
      if (found) {
        return true;
      }
    }
    return false;
  }

  private static boolean mayGoNext(List<Operation> ops, boolean[] done, int i) {
    for (int j = 0; j < ops.size(); j++) {
      if (!done[j] && j != i && ops.get(j).complete() < ops.get(i).invoke()) {
        return false;
      }
    }
    return true;
  }

  /** Applies {@code o} to {@code register} into {@code after[0]}; false if it could not have returned its result. */
  private static boolean step(Operation o, String register, String[] after) {
    Result r = o.result();
    if (o.op() instanceof Op.Put p) {
      after[0] = p.value();
      return true;
    }
    if (o.op() instanceof Op.Delete) {
      after[0] = Op.ABSENT;
      return true;
    }
    if (o.op() instanceof Op.Get) {
      after[0] = register;
      return r.equals(Result.read(register));
    }
    Op.Cas c = (Op.Cas) o.op();
    boolean matches = Objects.equals(register, c.expected());
    after[0] = matches ? c.value() : register;
    return r == null || r.equals(matches ? Result.ok() : Result.failed());
  }
}
