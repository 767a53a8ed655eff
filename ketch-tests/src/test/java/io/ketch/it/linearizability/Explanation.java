package io.ketch.it.linearizability;

import java.util.List;
import java.util.Locale;

/**
 * How a failed or abandoned search reads: where it got furthest, and the operations of the key
 * around that point, with times in milliseconds since the history's first invocation.
 */
final class Explanation {
  private static final int MAX_PENDING = 20;
  private static final int MAX_INDETERMINATE = 5;

  private Explanation() {}

  static String notLinearizable(KeyHistory key, WglSearch search, long origin) {
    return "key " + Values.show(key.key) + " is not linearizable: no order of its operations agrees with both"
        + " real time and a register.\n" + furthest(key, search, origin, "none of these could take effect next");
  }

  static String gaveUp(KeyHistory key, WglSearch search, long origin) {
    return "key " + Values.show(key.key) + ": linearizability unknown: the search gave up after exploring "
        + search.explored() + " states (its budget).\n" + furthest(key, search, origin, "these were pending");
  }

  private static String furthest(KeyHistory key, WglSearch search, long origin, String pendingWere) {
    WglSearch.Furthest f = search.furthest();
    StringBuilder out = new StringBuilder();
    out.append(String.format("The search (%d states) got furthest after linearizing %d of %d completed operations,"
        + " leaving the register %s.%n", search.explored(), f.linearized(), key.completed.size(),
        Values.show(f.register())));
    if (!f.recent().isEmpty()) {
      out.append("The last operations linearized, in order:\n");
      f.recent().forEach(o -> out.append(line(o, origin, "")));
    }
    if (f.blocking() != null) {
      out.append(String.format("Then %s (the one marked * had to by its completion, at %s ms):%n",
          pendingWere, time(f.blocking().complete(), origin)));
      f.pending().stream().limit(MAX_PENDING)
          .forEach(o -> out.append(line(o, origin, o == f.blocking() ? "*" : "")));
      if (f.pending().size() > MAX_PENDING) {
        out.append("  ... and ").append(f.pending().size() - MAX_PENDING).append(" more\n");
      }
      List<RegisterOp> indeterminate = key.indeterminate.stream()
          .filter(o -> o.invoke() <= f.blocking().complete()).toList();
      if (!indeterminate.isEmpty()) {
        int shown = Math.min(MAX_INDETERMINATE, indeterminate.size());
        out.append(String.format("Indeterminate operations invoked by then (the last %d of %d; each may take effect"
            + " once, any time after its invocation, or never):%n", shown, indeterminate.size()));
        indeterminate.subList(indeterminate.size() - shown, indeterminate.size())
            .forEach(o -> out.append(line(o, origin, "")));
      }
    }
    return out.toString();
  }

  private static String line(RegisterOp o, long origin, String mark) {
    Operation op = o.source;
    return String.format("  %1s %-8s %-36s %-14s %s .. %s ms%n", mark, op.client(), op.op(),
        op.isIndeterminate() ? "?" : op.result(), time(op.invoke(), origin), time(op.complete(), origin));
  }

  private static String time(long nanos, long origin) {
    return nanos == Operation.NEVER ? "?" : String.format(Locale.ROOT, "+%.3f", (nanos - origin) / 1e6);
  }
}
