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
 * <p>The same schedules run on members as separate processes (SIGKILL, SIGSTOP, proxied peer links)
 * and on members embedded in the test's JVM (ketch-embed's kill, pause and partition), and must pass
 * the same checks on both.
 *
 * <p>A short schedule per seed runs in CI; {@code -Dketch.fault.seconds=N} lengthens it (the soak
 * profile sets it).
 */
class ClusterFaultTest {
  private static final String PREFIX = "lin/";
  private static final long FAULT_MILLIS = Long.getLong("ketch.fault.seconds", 25) * 1000;

  /**
   * backend:members:seed triples (backend: process or embedded);
   * {@code -Dketch.fault.runs=process:5:7,embedded:3:9} picks others.
   */
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> runs() {
    return java.util.Arrays.stream(System.getProperty("ketch.fault.runs",
            "process:3:1,process:3:2,process:5:3,embedded:3:1,embedded:5:3").split(","))
        .map(r -> r.split(":"))
        .map(r -> org.junit.jupiter.params.provider.Arguments.of(r[0], Integer.parseInt(r[1]), Long.parseLong(r[2])));
  }

  @ParameterizedTest(name = "{0}, {1} members, seed {2}")
  @org.junit.jupiter.params.provider.MethodSource("runs")
  void historiesStayLinearizableUnderFaults(String backend, int members, long seed) throws Exception {
    // frequent Raft snapshots, so members take them while they crash, pause and are cut off
    String[] flags = {"--election-timeout=500", "--heartbeat-interval=50", "--snapshot-count=200",
        "--experimental-snapshot-catch-up-entries=50"};
    try (FaultableCluster cluster = backend.equals("embedded") ? EmbeddedFaultCluster.start(members, flags)
        : KetchCluster.start(members, members, flags);
        RegisterWorkload workload = new RegisterWorkload(PREFIX, 3)) {
      cluster.awaitConverged(60_000);
      List<String> endpoints = new ArrayList<>();
      for (int m = 1; m <= members; m++) {
        endpoints.add(cluster.address(m));
      }
      FaultSchedule faults = new FaultSchedule(cluster, seed);
      EventLog live;
      try (Client watcher = Client.builder().endpoints(endpoints.toArray(String[]::new)).build()) {
        live = EventLog.watch(watcher, PREFIX, 1);
        for (int m = 1; m <= members; m++) {
          workload.start(cluster, m, members == 3 ? 2 : 1, seed * 100 + m);
        }
        faults.run(FAULT_MILLIS);
        cluster.heal();
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
      String context = backend + ", seed " + seed + ", faults:\n  " + String.join("\n  ", faults.log())
          + "\nacknowledged writes " + workload.acknowledged() + ", failed requests " + workload.failed();

      List<Operation> ops = workload.history().operations();
      Verdict verdict = LinearizabilityChecker.check(ops);
      assertTrue(verdict.isLinearizable(), verdict + "\n" + context);
      assertTrue(workload.acknowledged() > 50, "too little got through to mean anything: " + context);

      // every member replays the same history, and the live watch saw exactly that history
      List<String> replayed = null;
      for (int m = 1; m <= members; m++) {
        String name = cluster.memberName(m);
        try (Client c = Client.builder().endpoints(cluster.address(m)).build()) {
          EventLog r = EventLog.watch(c, PREFIX, 1);
          long want = live.lastRevision();
          long deadline = System.nanoTime() + 30_000_000_000L;
          while (r.lastRevision() < want && System.nanoTime() < deadline) {
            KetchCluster.sleep(20);
          }
          assertEquals(List.of(), r.problems(), name);
          if (replayed == null) {
            replayed = r.events();
          } else {
            assertEquals(replayed, r.events(), name + " replays another history; " + context);
          }
        }
      }
      assertEquals(List.of(), live.problems(), context);
      assertEquals(replayed, live.events(), "the watch that followed the faults missed or repeated events; " + context);
      assertNull(RegisterWorkload.revisionRegression(workload.revisions()), context);
      // the soak's figures (BENCHMARKS.md): reached only when every check above passed
      System.out.printf("cluster-fault: backend=%s members=%d seed=%d seconds=%d operations=%d acknowledged_writes=%d "
          + "failed_requests=%d faults=%d watched_events=%d anomalies=0%n", backend, members, seed, FAULT_MILLIS / 1000,
          ops.size(), workload.acknowledged(), workload.failed(), faults.faultCount(), live.events().size());
    }
  }
}
