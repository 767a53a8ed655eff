package io.ketch.it.linearizability;

import java.util.List;

/**
 * Decides whether a history of operations on keys is linearizable, each key being a register (see
 * {@link Op}): whether every completed operation can be given a point between its invocation and
 * completion so that, in the order of those points, each returns what a register would. An
 * indeterminate operation may be given any point after its invocation, or none.
 *
 * <p>Keys are independent registers, so each is checked on its own (linearizability is
 * compositional). The search is exhaustive (Wing &amp; Gong with Lowe's memoisation, as in
 * Porcupine and Knossos; see {@link WglSearch}), so {@link Verdict.Outcome#NOT_LINEARIZABLE} is a
 * proof; it does not rely on written values being unique, though unique values keep it fast.
 *
 * <p>Usage, with clients recording into a {@link History}:
 *
 * <pre>{@code
 * Verdict v = LinearizabilityChecker.check(history.operations());
 * assertTrue(v.isLinearizable(), v::toString);
 * }</pre>
 */
public final class LinearizabilityChecker {
  /**
   * The default budget of explored states per key: seconds of search. A linearizable history
   * of a few thousand operations per key typically needs thousands; refuting one can take a
   * million.
   */
  public static final long DEFAULT_MAX_STATES = 10_000_000;

  private LinearizabilityChecker() {}

  /** Checks {@code history} with {@link #DEFAULT_MAX_STATES}. */
  public static Verdict check(List<Operation> history) {
    return check(history, DEFAULT_MAX_STATES);
  }

  /**
   * Checks {@code history}, giving up on a key, with an {@link Verdict.Outcome#UNKNOWN} verdict,
   * once its search has explored {@code maxStatesPerKey} states. Reports the first key (by first
   * invocation) that is not linearizable, else the first whose search gave up.
   *
   * @throws IllegalArgumentException if {@code maxStatesPerKey} is not positive
   */
  public static Verdict check(List<Operation> history, long maxStatesPerKey) {
    if (maxStatesPerKey <= 0) {
      throw new IllegalArgumentException("maxStatesPerKey must be positive: " + maxStatesPerKey);
    }
    long origin = history.stream().mapToLong(Operation::invoke).min().orElse(0);
    List<KeyHistory> keys = KeyHistory.split(history);
    Verdict gaveUp = null;
    for (KeyHistory key : keys) {
      WglSearch search = new WglSearch(key, maxStatesPerKey);
      switch (search.run()) {
        case LINEARIZABLE -> { }
        case NOT_LINEARIZABLE -> {
          return new Verdict(Verdict.Outcome.NOT_LINEARIZABLE, key.key,
              Explanation.notLinearizable(key, search, origin));
        }
        case GAVE_UP -> {
          if (gaveUp == null) {
            gaveUp = new Verdict(Verdict.Outcome.UNKNOWN, key.key, Explanation.gaveUp(key, search, origin));
          }
        }
      }
    }
    if (gaveUp != null) {
      return gaveUp;
    }
    long indeterminate = history.stream().filter(Operation::isIndeterminate).count();
    return new Verdict(Verdict.Outcome.LINEARIZABLE, null, String.format(
        "linearizable: %d keys, %d operations (%d indeterminate)", keys.size(), history.size(), indeterminate));
  }
}
