package io.ketch.server.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongPredicate;

/**
 * What the cluster layer needs of the Raft replica (implemented by the raft package, which depends
 * on this one): the Raft configuration, the leader's view of the other members, and changes to the
 * configuration and the leadership.
 */
public interface RaftGroupView {
  /** A Raft configuration: the voters and the non-voting listeners (learners), by member ID. */
  record Configuration(Set<Long> voters, Set<Long> listeners) {
    public boolean contains(long id) {
      return voters.contains(id) || listeners.contains(id);
    }
  }

  /**
   * What the leader knows of one member's replication.
   *
   * @param matchIndex the highest log index known to be on that member
   * @param sinceContact how long since it last answered the leader
   */
  record Progress(long matchIndex, Duration sinceContact) {}

  long memberId();

  /** Whether this member's Raft replica still runs (Ratis closes it once it finds itself removed). */
  boolean running();

  /** Whether this member leads and is ready (its term's first entry applied). */
  boolean leading();

  /** The configuration in force, or null while a change of it is under way. */
  Configuration configuration();

  /** The latest configuration this member knows, even one still being committed. */
  Configuration latestConfiguration();

  /** The leader's last log index (this member's, when it leads). */
  long lastIndex();

  /**
   * Leader only: the replication progress of every other member of the configuration, voters and
   * listeners; empty on a member that does not lead.
   */
  Map<Long, Progress> progress();

  /** Leader only: replaces the configuration (one change at a time); completes once it is committed. */
  CompletableFuture<Void> reconfigure(Configuration next);

  /** Leader only: hands leadership to voter {@code target}; completes once it leads. */
  CompletableFuture<Void> transferLeadership(long target, Duration timeout);

  /**
   * Leader only: hands leadership to the most up-to-date other voter that {@code eligible} accepts;
   * fails when there is none.
   */
  default CompletableFuture<Void> handOver(LongPredicate eligible, Duration timeout) {
    Configuration conf = latestConfiguration();
    Map<Long, Progress> progress = progress();
    long best = 0;
    long bestMatch = -1;
    for (long id : conf.voters()) {
      Progress p = progress.get(id);
      if (id != memberId() && eligible.test(id) && p != null && p.matchIndex() > bestMatch) {
        best = id;
        bestMatch = p.matchIndex();
      }
    }
    if (best == 0) {
      return CompletableFuture.failedFuture(new IllegalStateException("no other voter to hand leadership to"));
    }
    return transferLeadership(best, timeout);
  }

  /** Whether the member at {@code address} answers on its peer port (its Raft server is up). */
  CompletableFuture<Boolean> reachable(String address);
}
