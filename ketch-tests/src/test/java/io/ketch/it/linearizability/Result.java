package io.ketch.it.linearizability;

import java.util.Objects;

/** What a completed operation returned: see {@link Op} for which operation returns which result. */
public final class Result {
  private enum Kind { OK, FAILED, READ }

  private static final Result OK = new Result(Kind.OK, null);
  private static final Result FAILED = new Result(Kind.FAILED, null);

  private final Kind kind;
  private final String value;

  private Result(Kind kind, String value) {
    this.kind = kind;
    this.value = value;
  }

  /** A put or delete completed, or a cas applied. */
  public static Result ok() {
    return OK;
  }

  /** A cas did not apply: the register did not hold the expected value. */
  public static Result failed() {
    return FAILED;
  }

  /** A get observed {@code value}, or {@link Op#ABSENT}. */
  public static Result read(String value) {
    return new Result(Kind.READ, value);
  }

  /** Whether this is a possible result of {@code op}. */
  boolean fits(Op op) {
    return switch (kind) {
      case OK -> !(op instanceof Op.Get);
      case FAILED -> op instanceof Op.Cas;
      case READ -> op instanceof Op.Get;
    };
  }

  /** For a cas: whether it applied. */
  boolean applied() {
    return kind == Kind.OK;
  }

  /** For a get: the value read, or {@link Op#ABSENT}. */
  String value() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Result r && r.kind == kind && Objects.equals(r.value, value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, value);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case OK -> "ok";
      case FAILED -> "failed";
      case READ -> Values.show(value);
    };
  }
}
