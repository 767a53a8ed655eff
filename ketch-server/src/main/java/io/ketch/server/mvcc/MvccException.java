package io.ketch.server.mvcc;

/** A request the MVCC store refuses; {@link #kind()} says why. */
public final class MvccException extends RuntimeException {
  /** The reasons, with etcd's mvcc texts. */
  public enum Kind {
    COMPACTED("mvcc: required revision has been compacted"),
    FUTURE_REV("mvcc: required revision is a future revision");

    private final String text;

    Kind(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }

  private final Kind kind;

  public MvccException(Kind kind) {
    super(kind.text(), null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
