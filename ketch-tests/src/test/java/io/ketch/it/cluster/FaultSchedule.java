package io.ketch.it.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A random sequence of faults from a seed, each held for a while and then undone, with quiet spells
 * between: crashes (SIGKILL, then restart), pauses longer than the election timeout (SIGSTOP /
 * SIGCONT), clean stops of the leader (SIGTERM, then restart), and network partitions through the
 * peer links — one member cut off, the leader cut off, a minority from a majority, and on five
 * members a bridge (two pairs that reach each other only through the middle member). At most a
 * minority is ever down, so the cluster can always make progress.
 */
final class FaultSchedule {
  enum Kind { KILL, KILL_LEADER, PAUSE, TERM_LEADER, ISOLATE, ISOLATE_LEADER, MINORITY, BRIDGE }

  private final FaultableCluster cluster;
  private final Random random;
  private final List<String> log = new ArrayList<>();
  private final long start = System.nanoTime();

  FaultSchedule(FaultableCluster cluster, long seed) {
    this.cluster = cluster;
    this.random = new Random(seed);
  }

  /** What was done, one line per fault (for failure messages and the soak report). */
  List<String> log() {
    return log;
  }

  /** How many faults were injected (the log's first line is the schedule). */
  int faultCount() {
    return log.size() - 1;
  }

  /** Runs faults until {@code millis} have passed; every fault is undone before this returns. */
  void run(long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    log.add("schedule of " + millis + " ms");
    while (System.nanoTime() < end) {
      KetchCluster.sleep(500 + random.nextInt(1500));
      if (System.nanoTime() > end) {
        break;
      }
      one(pick());
    }
  }

  private Kind pick() {
    List<Kind> kinds = new ArrayList<>(List.of(Kind.KILL, Kind.KILL_LEADER, Kind.PAUSE, Kind.TERM_LEADER,
        Kind.ISOLATE, Kind.ISOLATE_LEADER, Kind.MINORITY));
    if (cluster.size() >= 5) {
      kinds.add(Kind.BRIDGE);
    }
    return kinds.get(random.nextInt(kinds.size()));
  }

  /** Applies one fault, holds it, undoes it. */
  void one(Kind kind) {
    int n = cluster.size();
    long hold = 1500 + random.nextInt(2500);
    boolean drop = random.nextBoolean();
    long t0 = System.nanoTime();
    switch (kind) {
      case KILL, KILL_LEADER -> {
        int m = kind == Kind.KILL ? 1 + random.nextInt(n) : leaderOrRandom();
        cluster.kill(m);
        KetchCluster.sleep(hold);
        cluster.start(m);
        record(kind + " m" + m, t0);
      }
      case TERM_LEADER -> {
        int m = leaderOrRandom();
        cluster.terminate(m);
        KetchCluster.sleep(hold / 2);
        cluster.start(m);
        record(kind + " m" + m, t0);
      }
      case PAUSE -> {
        int m = 1 + random.nextInt(n);
        cluster.pause(m);
        KetchCluster.sleep(hold);
        cluster.resume(m);
        record(kind + " m" + m + " " + hold + "ms", t0);
      }
      case ISOLATE, ISOLATE_LEADER -> {
        int m = kind == Kind.ISOLATE ? 1 + random.nextInt(n) : leaderOrRandom();
        cluster.partition(drop, List.of(Set.of(m), others(Set.of(m))));
        KetchCluster.sleep(hold);
        cluster.heal();
        record(kind + " m" + m + (drop ? " drop " : " refuse ") + hold + "ms", t0);
      }
      case MINORITY -> {
        Set<Integer> minority = new HashSet<>();
        while (minority.size() < (n - 1) / 2) {
          minority.add(1 + random.nextInt(n));
        }
        cluster.partition(drop, List.of(minority, others(minority)));
        KetchCluster.sleep(hold);
        cluster.heal();
        record(kind + " " + minority + (drop ? " drop " : " refuse ") + hold + "ms", t0);
      }
      case BRIDGE -> {
        // 1,2 | 3 | 4,5: the sides reach each other only through member 3
        cluster.partition(drop, List.of(Set.of(1, 2), Set.of(4, 5)));
        KetchCluster.sleep(hold);
        cluster.heal();
        record(kind + " {1,2}-3-{4,5}" + (drop ? " drop " : " refuse ") + hold + "ms", t0);
      }
      default -> throw new IllegalStateException(kind.toString());
    }
  }

  private Set<Integer> others(Set<Integer> these) {
    Set<Integer> rest = new HashSet<>();
    for (int i = 1; i <= cluster.size(); i++) {
      if (!these.contains(i)) {
        rest.add(i);
      }
    }
    return rest;
  }

  private int leaderOrRandom() {
    int leader = cluster.leader();
    return leader != 0 ? leader : 1 + random.nextInt(cluster.size());
  }

  private void record(String what, long t0) {
    log.add(String.format("at %5.1fs for %4.1fs: %s", (t0 - start) / 1e9, (System.nanoTime() - t0) / 1e9, what));
  }
}
