package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ketch.it.Endpoint;
import io.ketch.it.Etcdctl;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * An etcdctl 3.4 session about cluster membership and leadership (member list/add/promote/update/
 * remove, endpoint status/health, move-leader) run step by step against a 3-member etcd cluster and
 * a 3-member Ketch cluster started with the same flags: every command must exit the same and print
 * the same, once {@link EtcdctlCanon} has rewritten what must differ between two clusters (IDs and
 * ports by member, raft positions, sizes, versions, durations, member-ID order into slot order).
 *
 * <p>Which member a cluster elects is chance: the session makes m1 the leader (with move-leader,
 * not compared) where the output depends on it, and leaves the leader out of the comparison only
 * right after the election that follows removing the leader.
 *
 * <p>No output needed a Ketch-specific normalization: what Ketch does differently on purpose (its
 * MemberList is linearizable, its Raft index, DB size and version differ) is either invisible in this
 * session or among what any two clusters differ in. The session waits etcd's 5 s health interval
 * after a member joins before the next membership change, as etcd's strict reconfiguration check
 * requires (Ketch would not need it).
 *
 * <p>Every difference is collected and reported at the end, so one run shows them all; the session
 * stops early once Ketch stops answering (every later command would only time out as well).
 */
class ClusterEtcdctlConformanceTest {
  private record Step(String name, Consumer<EtcdctlSession> run) {}

  private static final List<Integer> INITIAL = List.of(1, 2, 3);
  private static final String DEADLINE = "Error: context deadline exceeded";
  /** For move-leader, the leader last: etcdctl asks each endpoint in turn whether it leads. */
  private static final List<Integer> ALL_LEADER_LAST = List.of(5, 4, 3, 2, 1);

  private static List<Step> session() {
    return List.of(
        new Step("1. the initial cluster", s -> {
          s.ensureLeader(1, INITIAL);
          s.run("member", "list");
          s.run("member", "list", "-w", "simple");
          s.run("member", "list", "-w", "table");
          s.run("member", "list", "-w", "json");
          s.run("endpoint", "status", "--cluster", "-w", "table");
          s.run("endpoint", "status", "--cluster", "-w", "json");
          s.run("endpoint", "health", "--cluster");
        }),
        new Step("2. a voter joins", s -> {
          Etcdctl.Result add = s.run("member", "add", "m4", "--peer-urls=" + s.peerUrl(4));
          s.run("member", "list");
          s.startJoiner(4, EtcdctlSession.initialCluster(add));
          s.awaitStarted(4);
          s.run("member", "list", "-w", "table");
        }),
        new Step("3. a learner joins and is promoted", s -> {
          s.settle();
          s.run("member", "add", "m5", "--learner", "--peer-urls=" + s.peerUrl(5), "-w", "json");
          s.run("member", "list");
          s.run("member", "promote", s.hex(5));
          s.startJoiner(5, initialCluster(s, 5));
          s.awaitStarted(5);
          s.promoteWhenInSync(5);
          s.run("member", "promote", s.hex(5));
          s.run("member", "promote", "1234");
          s.run("member", "list", "-w", "json");
        }),
        new Step("4. update and remove, refused and not", s -> {
          s.run("member", "update", s.hex(2), "--peer-urls=" + s.peerUrl(2));
          s.run("member", "update", s.hex(2), "--peer-urls=" + s.peerUrl(3));
          s.run("member", "remove", "1234");
        }),
        new Step("5. move-leader", s -> {
          s.ensureLeader(1, List.of(1, 2, 3, 4, 5));
          s.at(ALL_LEADER_LAST, "move-leader", s.hex(2));
          s.settle();
          s.run("member", "add", "m6", "--learner", "--peer-urls=" + s.peerUrl(6));
          s.at(ALL_LEADER_LAST, "move-leader", s.hex(6));
          s.at(List.of(1), "move-leader", s.hex(3));
          s.run("member", "remove", s.hex(6));
        }),
        new Step("6. the leader is removed", s -> {
          s.run("member", "remove", s.hex(2));
          s.awaitLeader(List.of(1, 3, 4, 5));
          s.noteExit(2, "after its removal");
          s.run("member", "list");
          s.afterElection("endpoint", "status", "--cluster", "-w", "table");
        }));
  }

  /** The --initial-cluster of members 1..{@code upTo}, as member add prints it (order aside). */
  private static String initialCluster(EtcdctlSession s, int upTo) {
    List<String> parts = new ArrayList<>();
    for (int i = 1; i <= upTo; i++) {
      parts.add("m" + i + "=" + s.peerUrl(i));
    }
    return String.join(",", parts);
  }

  @Test
  void sessionPrintsWhatEtcdPrints() {
    long t0 = System.nanoTime();
    List<String> differences = new ArrayList<>();
    List<EtcdctlSession.Entry> oracle = new ArrayList<>();
    try (ClusterSlots etcdCluster = EtcdCluster.start(3, 6);
        ClusterSlots ketchCluster = new KetchSlots(KetchCluster.start(true, 3, 6));
        EtcdctlSession etcd = new EtcdctlSession(etcdCluster, 3, 6);
        EtcdctlSession ketch = new EtcdctlSession(ketchCluster, 3, 6)) {
      System.out.printf("clusters up after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      for (Step step : session()) {
        step.run().accept(etcd);
        step.run().accept(ketch);
        List<EtcdctlSession.Entry> expected = etcd.take();
        List<EtcdctlSession.Entry> actual = ketch.take();
        oracle.addAll(expected);
        int before = differences.size();
        compare(step.name(), expected, actual, differences);
        differences.subList(before, differences.size()).forEach(d -> System.out.println(d + "\n"));
        System.out.printf("%s: done after %d ms%n", step.name(), (System.nanoTime() - t0) / 1_000_000);
        if (stoppedAnswering(expected, actual)) {
          differences.add("the session stopped after step " + step.name() + ": Ketch stopped answering (commands"
              + " etcd answered ran into --command-timeout), so the later steps would only time out too");
          break;
        }
      }
    }
    if (!differences.isEmpty()) {
      fail(differences.size() + " difference(s) from etcd:\n\n" + String.join("\n\n", differences));
    }
    // guard against a vacuous pass: the oracle did what the session is about (as rewritten)
    assertEquals("exit=0\n--stdout--\n"
        + "{m1}, started, m1, http://127.0.0.1:{m1.peer}, http://127.0.0.1:{m1.client}, false\n"
        + "{m2}, started, m2, http://127.0.0.1:{m2.peer}, http://127.0.0.1:{m2.client}, false\n"
        + "{m3}, started, m3, http://127.0.0.1:{m3.peer}, http://127.0.0.1:{m3.client}, false\n"
        + "--stderr--\n", oracle.stream().filter(e -> e.command().equals("member list")).findFirst().orElseThrow()
        .output(), "etcd's first member list");
    for (String line : List.of("Member {m4} added to cluster {cluster}", "Member {m5} promoted in cluster {cluster}",
        "Leadership transferred from {m1} to {m2}", "Member {m2} removed from cluster {cluster}")) {
      assertTrue(oracle.stream().anyMatch(e -> e.output().contains("--stdout--\n" + line + "\n")),
          "etcd printed " + line);
    }
  }

  /** Whether at least two commands timed out on Ketch's side that etcd answered: the cluster is stuck. */
  private static boolean stoppedAnswering(List<EtcdctlSession.Entry> expected, List<EtcdctlSession.Entry> actual) {
    int timedOut = 0;
    for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
      if (actual.get(i).output().contains(DEADLINE) && !expected.get(i).output().contains(DEADLINE)) {
        timedOut++;
      }
    }
    return timedOut >= 2;
  }

  private static void compare(String step, List<EtcdctlSession.Entry> expected, List<EtcdctlSession.Entry> actual,
      List<String> differences) {
    for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
      EtcdctlSession.Entry e = i < expected.size() ? expected.get(i) : new EtcdctlSession.Entry("(none)", "");
      EtcdctlSession.Entry a = i < actual.size() ? actual.get(i) : new EtcdctlSession.Entry("(none)", "");
      if (!e.equals(a)) {
        differences.add("step " + step + ", #" + (i + 1) + ": etcdctl " + e.command()
            + (e.command().equals(a.command()) ? "" : " / " + a.command())
            + "\n--- etcd:\n" + e.output() + "\n--- ketch:\n" + a.output());
      }
    }
  }

  /** Ketch's cluster seen through its slots. */
  private record KetchSlots(KetchCluster cluster) implements ClusterSlots {
    @Override
    public String label() {
      return "ketch";
    }

    @Override
    public String peerUrl(int slot) {
      return cluster.peerUrl(slot);
    }

    @Override
    public int peerPort(int slot) {
      return cluster.peerPort(slot);
    }

    @Override
    public int clientPort(int slot) {
      return cluster.clientPort(slot);
    }

    @Override
    public Endpoint endpoint(int slot) {
      return cluster.member(slot);
    }

    @Override
    public void startJoiner(int slot, String initialCluster) {
      cluster.joiner(slot, initialCluster).start();
    }

    @Override
    public boolean running(int slot) {
      return cluster.members().stream().anyMatch(m -> m.index() == slot && m.isAlive());
    }

    @Override
    public int awaitExit(int slot, long seconds) {
      return cluster.member(slot).await(seconds);
    }

    @Override
    public String logTail(int slot, int lines) {
      return cluster.logTail(slot, lines);
    }

    @Override
    public void close() {
      cluster.close();
    }
  }
}
