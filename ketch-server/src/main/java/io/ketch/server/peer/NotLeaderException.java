package io.ketch.server.peer;

/** A request that only the leader serves reached a member that does not lead: find the leader, retry. */
public final class NotLeaderException extends RuntimeException {
  public NotLeaderException() {
    super(PeerErrors.NOT_LEADER, null, false, false);
  }
}
