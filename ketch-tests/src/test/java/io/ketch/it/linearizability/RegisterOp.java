package io.ketch.it.linearizability;

/**
 * One operation of one key in the search's compact form, with values interned to ints ({@link
 * #ABSENT} is 0), and the sequential specification of a register: {@link #apply}.
 */
final class RegisterOp {
  static final int ABSENT = 0;
  /** What {@link #apply} returns when the operation cannot have returned its result in a state. */
  static final int REJECT = -1;

  enum Kind { PUT, GET, CAS, DELETE }

  final Operation source;
  final Kind kind;
  /** For CAS: the value compared against. */
  final int expected;
  /** For PUT and CAS: the value written. For a completed GET: the value read. */
  final int value;
  /** For a completed CAS: whether it applied. */
  final boolean applied;
  final boolean indeterminate;

  RegisterOp(Operation source, Kind kind, int expected, int value, boolean applied) {
    this.source = source;
    this.kind = kind;
    this.expected = expected;
    this.value = value;
    this.applied = applied;
    this.indeterminate = source.isIndeterminate();
  }

  long invoke() {
    return source.invoke();
  }

  long complete() {
    return source.complete();
  }

  /**
   * The register's state after this operation takes effect in {@code state}, or {@link #REJECT} if
   * it could not have returned its result there. An indeterminate operation's result is unknown,
   * so it is never rejected: a cas whose comparison fails leaves the state as it is.
   */
  int apply(int state) {
    return switch (kind) {
      case PUT -> value;
      case DELETE -> ABSENT;
      case GET -> state == value ? state : REJECT;
      case CAS -> {
        if (indeterminate) {
          yield state == expected ? value : state;
        }
        yield applied == (state == expected) ? (applied ? value : state) : REJECT;
      }
    };
  }

  /** Whether the state after this operation never depends on the state before it. */
  boolean blind() {
    return kind == Kind.PUT || kind == Kind.DELETE;
  }
}
