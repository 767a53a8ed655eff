package io.ketch.server.v2;

import java.util.List;

/** What the v2 API tells about this member and its cluster. */
public interface V2Info {
  /** A member as {@code /v2/members} lists it. */
  record Member(long id, String name, List<String> peerUrls, List<String> clientUrls) {}

  long clusterId();

  long memberId();

  String name();

  /** The leader's member ID; 0 while there is none. */
  long leaderId();

  default boolean isLeader() {
    return leaderId() == memberId();
  }

  long raftIndex();

  long raftTerm();

  /** When this member started, Unix nanoseconds. */
  long startNanos();

  /** When this member last became leader (or saw the current leader elected), Unix nanoseconds. */
  long leaderSinceNanos();

  List<Member> members();
}
