package io.ketch.server.peer;

/** A peer could not be reached or did not answer in time: the request may be tried again. */
public final class PeerUnavailableException extends RuntimeException {
  public PeerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
