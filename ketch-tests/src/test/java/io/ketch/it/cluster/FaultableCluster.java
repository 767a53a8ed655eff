package io.ketch.it.cluster;

import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.StatusResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A cluster that the fault schedule and the fault tests drive, whatever runs its members: separate
 * processes ({@link KetchCluster}: SIGKILL, SIGSTOP, proxied peer links) or servers embedded in the
 * test's JVM ({@link EmbeddedFaultCluster}: ketch-embed's fault injection). Members are numbered
 * from 1.
 */
interface FaultableCluster extends AutoCloseable {
  int size();

  /** The numbers of the members the cluster has now (members added later included). */
  default List<Integer> memberNumbers() {
    List<Integer> all = new ArrayList<>();
    for (int i = 1; i <= size(); i++) {
      all.add(i);
    }
    return all;
  }

  /** Member {@code m}'s name. */
  String memberName(int m);

  /** Member {@code m}'s client address, {@code host:port}. */
  String address(int m);

  /** A new channel to member {@code m}'s client port (the caller shuts it down). */
  ManagedChannel newChannel(int m);

  /** Whether member {@code m} runs and is not paused. */
  boolean isRunning(int m);

  /** Stops member {@code m} abruptly (SIGKILL, or an embedded halt). */
  void kill(int m);

  /** Starts member {@code m} again on its data. */
  void start(int m);

  /** Stops member {@code m} cleanly (SIGTERM, or an embedded stop). */
  void terminate(int m);

  void pause(int m);

  void resume(int m);

  /**
   * Cuts the peer traffic between the groups (members in no group reach everyone);
   * {@code drop}: packets vanish rather than connections being refused, where the cluster can tell
   * the two apart.
   */
  void partition(boolean drop, List<Set<Integer>> groups);

  void heal();

  /** Member {@code m}'s status, or null when it does not answer within a second. */
  StatusResponse status(int m);

  /** What may explain a failure about member {@code m} (its log's tail, the cut links). */
  default String diagnostics(int m) {
    return "";
  }

  /**
   * Waits until a member leads that the running, unpaused members {@code among} agree on; returns
   * its number.
   */
  default int awaitLeader(long timeoutMillis, List<Integer> among) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (System.nanoTime() < deadline) {
      long leader = 0;
      boolean agreed = true;
      for (int i : among) {
        StatusResponse s = status(i);
        if (s == null || s.getLeader() == 0 || (leader != 0 && s.getLeader() != leader)) {
          agreed = false;
          break;
        }
        leader = s.getLeader();
      }
      if (agreed && leader != 0) {
        for (int i : among) {
          StatusResponse s = status(i);
          if (s != null && s.getHeader().getMemberId() == leader) {
            return i;
          }
        }
      }
      KetchCluster.sleep(50);
    }
    throw new AssertionError("no leader agreed on by " + among + " within " + timeoutMillis + " ms"
        + diagnostics(among.isEmpty() ? 1 : among.get(0)));
  }

  /** Waits until some member leads, as seen by every running, unpaused member; returns its number. */
  default int awaitLeader(long timeoutMillis) {
    List<Integer> live = new ArrayList<>();
    for (int i : memberNumbers()) {
      if (isRunning(i)) {
        live.add(i);
      }
    }
    return awaitLeader(timeoutMillis, live);
  }

  /**
   * Waits until every running, unpaused member has a leader and has applied what the leader had
   * committed when the wait began (a member back from a partition or a restart has caught up).
   */
  default void awaitConverged(long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    int leader = awaitLeader(timeoutMillis);
    StatusResponse ls = status(leader);
    long target = ls == null ? 0 : ls.getRaftIndex();
    for (int m : memberNumbers()) {
      if (!isRunning(m)) {
        continue;
      }
      while (true) {
        StatusResponse s = status(m);
        if (s != null && s.getLeader() != 0 && s.getRaftAppliedIndex() >= target) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(memberName(m) + " did not catch up to index " + target + " within "
              + timeoutMillis + " ms: " + s + "\n" + diagnostics(m));
        }
        KetchCluster.sleep(50);
      }
    }
  }

  /** The member that leads now by its own status, or 0. */
  default int leader() {
    for (int i : memberNumbers()) {
      StatusResponse s = status(i);
      if (s != null && s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()) {
        return i;
      }
    }
    return 0;
  }

  @Override
  void close();
}
