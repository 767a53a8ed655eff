package io.ketch.embed;

/** An embedded member or cluster could not start: the message says which and why. */
public final class EmbeddedKetchException extends Exception {
  public EmbeddedKetchException(String message, Throwable cause) {
    super(message, cause);
  }

  public EmbeddedKetchException(String message) {
    super(message);
  }
}
