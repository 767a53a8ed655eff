package io.ketch.it.linearizability;

import java.util.Objects;

/**
 * One recorded operation on one key.
 *
 * @param client who issued it; a client has at most one operation in flight
 * @param key the key it addressed
 * @param op what it asked for
 * @param invoke clock reading (nanoseconds) taken before the request was sent
 * @param complete clock reading taken after the response arrived, or {@link #NEVER} if indeterminate
 * @param result what it returned, or {@code null} if indeterminate: it timed out or lost its
 *     connection, so it may have taken effect at any time after {@code invoke}, or never
 */
public record Operation(String client, String key, Op op, long invoke, long complete, Result result) {
  /** The completion time of an indeterminate operation: it may take effect arbitrarily late. */
  public static final long NEVER = Long.MAX_VALUE;

  /**
   * @throws IllegalArgumentException if the times are out of order, exactly one of {@code result}
   *     and {@code complete == NEVER} holds, or the result is not one {@code op} can return
   */
  public Operation {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(op, "op");
    if ((result == null) != (complete == NEVER)) {
      throw new IllegalArgumentException(
          "an operation has a result exactly when it completed: result=" + result + ", complete=" + complete);
    }
    if (complete < invoke) {
      throw new IllegalArgumentException("completed before invoked: invoke=" + invoke + ", complete=" + complete);
    }
    if (result != null && !result.fits(op)) {
      throw new IllegalArgumentException(op + " cannot return " + result);
    }
  }

  /** An operation that returned {@code result}. */
  public static Operation completed(String client, String key, Op op, long invoke, long complete, Result result) {
    return new Operation(client, key, op, invoke, complete, Objects.requireNonNull(result, "result"));
  }

  /** An operation whose outcome is unknown. */
  public static Operation indeterminate(String client, String key, Op op, long invoke) {
    return new Operation(client, key, op, invoke, NEVER, null);
  }

  /** Whether it is unknown if and when this operation took effect. */
  public boolean isIndeterminate() {
    return result == null;
  }
}
