package io.ketch.it.linearizability;

/**
 * What {@link LinearizabilityChecker} concluded about a history.
 *
 * @param outcome the conclusion
 * @param key the first key that is not linearizable (or whose search gave up); null if linearizable
 * @param explanation a human-readable account: for a failure, the operations of {@code key}
 *     around the point where every ordering got stuck, with times relative to the history's first
 *     invocation
 */
public record Verdict(Outcome outcome, String key, String explanation) {
  /** The possible conclusions. */
  public enum Outcome {
    /** Every key's operations can be ordered consistently with real time and a register. */
    LINEARIZABLE,
    /** Some key's operations cannot: {@link Verdict#key} names the first. */
    NOT_LINEARIZABLE,
    /** The search for {@link Verdict#key} exceeded its budget of explored states. */
    UNKNOWN
  }

  public boolean isLinearizable() {
    return outcome == Outcome.LINEARIZABLE;
  }

  @Override
  public String toString() {
    return explanation;
  }
}
