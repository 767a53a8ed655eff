package io.ketch.it.linearizability;

import java.util.Objects;

/**
 * An operation on one key, seen as a register that holds a string or is absent.
 *
 * <p>{@link #ABSENT} (a named {@code null}) stands for "no value": a key never written, or deleted.
 */
public sealed interface Op {
  /** The register's value when the key does not exist. */
  String ABSENT = null;

  /** Sets the register to {@code value}; completes with {@link Result#ok()}. */
  static Op put(String value) {
    return new Put(value);
  }

  /** Reads the register; completes with {@link Result#read(String)}. */
  static Op get() {
    return new Get();
  }

  /**
   * If the register holds {@code expected} (which may be {@link #ABSENT}: create-if-absent, like a
   * txn comparing version 0), sets it to {@code value} and completes with {@link Result#ok()};
   * otherwise leaves it unchanged and completes with {@link Result#failed()}.
   */
  static Op cas(String expected, String value) {
    return new Cas(expected, value);
  }

  /** Makes the register absent, whether or not it existed; completes with {@link Result#ok()}. */
  static Op delete() {
    return new Delete();
  }

  /** See {@link Op#put}. */
  record Put(String value) implements Op {
    public Put {
      Objects.requireNonNull(value, "put writes a value; use delete to make a key absent");
    }

    @Override
    public String toString() {
      return "put(" + Values.show(value) + ")";
    }
  }

  /** See {@link Op#get}. */
  record Get() implements Op {
    @Override
    public String toString() {
      return "get()";
    }
  }

  /** See {@link Op#cas}. */
  record Cas(String expected, String value) implements Op {
    public Cas {
      Objects.requireNonNull(value, "cas writes a value");
    }

    @Override
    public String toString() {
      return "cas(" + Values.show(expected) + " -> " + Values.show(value) + ")";
    }
  }

  /** See {@link Op#delete}. */
  record Delete() implements Op {
    @Override
    public String toString() {
      return "delete()";
    }
  }
}
