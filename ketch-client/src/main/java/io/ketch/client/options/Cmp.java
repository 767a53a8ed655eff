package io.ketch.client.options;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.Compare;

/**
 * One condition of a transaction, e.g. {@code Cmp.version(key).equal(0)} ("key does not exist") or
 * {@code Cmp.value(key).notEqual(v).withPrefix()}. Immutable.
 */
public final class Cmp {
  private final Compare compare;

  private Cmp(Compare compare) {
    this.compare = compare;
  }

  /** Compare the key's version (0 when it does not exist). */
  public static Target version(ByteString key) {
    return new Target(key, Compare.CompareTarget.VERSION);
  }

  /** Compare the key's create revision (0 when it does not exist). */
  public static Target createRevision(ByteString key) {
    return new Target(key, Compare.CompareTarget.CREATE);
  }

  /** Compare the key's last modification revision (0 when it does not exist). */
  public static Target modRevision(ByteString key) {
    return new Target(key, Compare.CompareTarget.MOD);
  }

  /** Compare the key's value (bytes, lexicographically). */
  public static ValueTarget value(ByteString key) {
    return new ValueTarget(key);
  }

  /** Compare the key's lease ID (0 when it has none). */
  public static Target lease(ByteString key) {
    return new Target(key, Compare.CompareTarget.LEASE);
  }

  /** This condition applied to every key in {@code [key, end)}: all must satisfy it. */
  public Cmp withRangeEnd(ByteString end) {
    return new Cmp(compare.toBuilder().setRangeEnd(end).build());
  }

  /** This condition applied to every key with the key as prefix. */
  public Cmp withPrefix() {
    ByteString key = compare.getKey();
    return new Cmp(compare.toBuilder().setKey(KeyRange.PREFIX.key(key)).setRangeEnd(KeyRange.PREFIX.rangeEnd(key)).build());
  }

  /** The wire form. */
  public Compare toCompare() {
    return compare;
  }

  /** A numeric attribute of a key, to be compared with a number. */
  public static final class Target {
    private final ByteString key;
    private final Compare.CompareTarget target;

    private Target(ByteString key, Compare.CompareTarget target) {
      this.key = key;
      this.target = target;
    }

    /** The attribute is equal to {@code n}. */
    public Cmp equal(long n) {
      return make(Compare.CompareResult.EQUAL, n);
    }

    /** The attribute is not equal to {@code n}. */
    public Cmp notEqual(long n) {
      return make(Compare.CompareResult.NOT_EQUAL, n);
    }

    /** The attribute is greater than {@code n}. */
    public Cmp greater(long n) {
      return make(Compare.CompareResult.GREATER, n);
    }

    /** The attribute is less than {@code n}. */
    public Cmp less(long n) {
      return make(Compare.CompareResult.LESS, n);
    }

    private Cmp make(Compare.CompareResult result, long n) {
      Compare.Builder b = Compare.newBuilder().setKey(key).setTarget(target).setResult(result);
      switch (target) {
        case VERSION:
          b.setVersion(n);
          break;
        case CREATE:
          b.setCreateRevision(n);
          break;
        case MOD:
          b.setModRevision(n);
          break;
        default:
          b.setLease(n);
      }
      return new Cmp(b.build());
    }
  }

  /** A key's value, to be compared with bytes. */
  public static final class ValueTarget {
    private final ByteString key;

    private ValueTarget(ByteString key) {
      this.key = key;
    }

    /** The value is equal to {@code v}. */
    public Cmp equal(ByteString v) {
      return make(Compare.CompareResult.EQUAL, v);
    }

    /** The value is not equal to {@code v}. */
    public Cmp notEqual(ByteString v) {
      return make(Compare.CompareResult.NOT_EQUAL, v);
    }

    /** The value is greater than {@code v}. */
    public Cmp greater(ByteString v) {
      return make(Compare.CompareResult.GREATER, v);
    }

    /** The value is less than {@code v}. */
    public Cmp less(ByteString v) {
      return make(Compare.CompareResult.LESS, v);
    }

    private Cmp make(Compare.CompareResult result, ByteString v) {
      return new Cmp(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.VALUE)
          .setResult(result).setValue(v).build());
    }
  }
}
