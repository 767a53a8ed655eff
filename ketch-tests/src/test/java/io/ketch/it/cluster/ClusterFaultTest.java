package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.client.Client;
import io.ketch.it.linearizability.LinearizabilityChecker;
import io.ketch.it.linearizability.Operation;
import io.ketch.it.linearizability.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The cluster under a random fault schedule (crashes, pauses longer than the election timeout,
 * clean stops of the leader, partitions through the peer links, and on five members a bridge):
 * clients on every member record put/get/compare-and-set/delete histories on a few keys, and the
 * history must be linearizable. Also: revisions never go backwards in real time; a watch that
 * follows the cluster through the faults sees exactly the history every member replays at the end
 * (ordered, no gap, no duplicate, whole revisions); every member ends with the same history.
 *
 * <p>A short schedule per seed runs in CI; {@code -Dketch.fault.seconds=N} lengthens it (the soak
 * profile sets it).
 */
class ClusterFaultTest {
  private static final String PREFIX = "lin/";
  private static final long FAULT_MILLIS = Long.getLong("ketch.fault.seconds", 25) * 1000;

  /** members:seed pairs; {@code -Dketch.fault.runs=5:7,3:9} picks others. */
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> runs() {
    return java.util.Arrays.stream(System.getProperty("ketch.fault.runs", "3:1,3:2,5:3").split(","))
        .map(r -> org.junit.jupiter.params.provider.Arguments.of(Integer.parseInt(r.split(":")[0]),
            Long.parseLong(r.split(":")[1])));
  }

  @ParameterizedTest(name = "{0} members, seed {1}")
  @org.junit.jupiter.params.provider.MethodSource("runs")
  void historiesStayLinearizableUnderFaults(int members, long seed) throws Exception {
    // frequent Raft snapshots, so members take them while they crash, pause and are cut off
    try (KetchCluster cluster = KetchCluster.start(members, members, "--election-timeout", "500",
        "--heartbeat-interval", "50", "--snapshot-count", "200", "--experimental-snapshot-catch-up-entries", "50");
        RegisterWorkload workload = new RegisterWorkload(PREFIX, 3)) {
      cluster.awaitConverged(60_000);
      List<String> endpoints = new ArrayList<>();
      for (MemberProcess m : cluster.members()) {
        endpoints.add(m.address());
      }
      FaultSchedule faults = new FaultSchedule(cluster, seed);
      EventLog live;
      try (Client watcher = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
        live = EventLog.watch(watcher, PREFIX, 1);
        for (MemberProcess m : cluster.members()) {
          workload.start(m, members == 3 ? 2 : 1, seed * 100 + m.index());
        }
        faults.run(FAULT_MILLIS);
        cluster.network().heal();
        cluster.awaitConverged(60_000);
        KetchCluster.sleep(500);
        workload.close();
        cluster.awaitConverged(60_000);
        // a last write marks the end: the watch has seen everything once it sees that
        long end = watcher.kv().put(RegisterWorkload.bs(PREFIX + "end"), RegisterWorkload.bs("end"))
            .get(30, java.util.concurrent.TimeUnit.SECONDS).getHeader().getRevision();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (live.lastRevision() < end && System.nanoTime() < deadline) {
          KetchCluster.sleep(50);
        }
      }
      String context = "seed " + seed + ", faults:\n  " + String.join("\n  ", faults.log())
          + "\nacknowledged writes " + workload.acknowledged() + ", failed requests " + workload.failed();

      List<Operation> ops = workload.history().operations();
      Verdict verdict = LinearizabilityChecker.check(ops);
      assertTrue(verdict.isLinearizable(), verdict + "\n" + context);
      assertTrue(workload.acknowledged() > 50, "too little got through to mean anything: " + context);

      // every member replays the same history, and the live watch saw exactly that history
      List<String> replayed = null;
      for (MemberProcess m : cluster.members()) {
        try (Client c = Client.builder().endpoints(m.address()).build()) {
          EventLog r = EventLog.watch(c, PREFIX, 1);
          long want = live.lastRevision();
          long deadline = System.nanoTime() + 30_000_000_000L;
          while (r.lastRevision() < want && System.nanoTime() < deadline) {
            KetchCluster.sleep(20);
          }
          assertEquals(List.of(), r.problems(), m.name());
          if (replayed == null) {
            replayed = r.events();
          } else {
            assertEquals(replayed, r.events(), m.name() + " replays another history; " + context);
          }
        }
      }
      assertEquals(List.of(), live.problems(), context);
      assertEquals(replayed, live.events(), "the watch that followed the faults missed or repeated events; " + context);
      assertNull(RegisterWorkload.revisionRegression(workload.revisions()), context);
      // the soak's figures (BENCHMARKS.md): reached only when every check above passed
      System.out.printf("cluster-fault: members=%d seed=%d seconds=%d operations=%d acknowledged_writes=%d "
          + "failed_requests=%d faults=%d watched_events=%d anomalies=0%n", members, seed, FAULT_MILLIS / 1000,
          ops.size(), workload.acknowledged(), workload.failed(), faults.faultCount(), live.events().size());
    }
  }
}
