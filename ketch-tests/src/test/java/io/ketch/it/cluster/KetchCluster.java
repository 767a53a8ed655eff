package io.ketch.it.cluster;

import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.StatusRequest;
import io.ketch.api.etcdserverpb.StatusResponse;
import io.ketch.it.TestDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A Ketch cluster for tests: members as separate processes on loopback, each reaching the others
 * through its own proxied links ({@link PeerNetwork}), so a test can crash, pause, stop and restart
 * members and cut links. Started with {@code --initial-cluster-state new}; further slots are wired
 * for members the test adds later.
 */
final class KetchCluster implements FaultableCluster {
  private final Path dir = TestDirs.newDir("ketch-cluster");
  private final int size;
  private final int slots;
  private final int[] clientPorts;
  private final int[] peerPorts;
  private final PeerNetwork network;
  private final Map<Integer, MemberProcess> members = new HashMap<>();
  private final Map<Integer, ManagedChannel> channels = new HashMap<>();
  private final List<String> extraFlags;
  /** The flags the first members were started with (bootstrap flags and {@code extraFlags}). */
  private final List<String> startFlags;
  /** Whether peer URLs name 127.0.0.1 directly (no proxied links): as an etcd cluster would be started. */
  private final boolean direct;

  /**
   * Starts {@code size} members (and wires {@code slots} in all), each with {@code extraFlags}, and
   * waits until every one serves.
   */
  static KetchCluster start(int size, int slots, String... extraFlags) {
    return start(false, size, slots, extraFlags);
  }

  /**
   * As {@link #start(int, int, String...)}; with {@code direct} the members advertise
   * {@code http://127.0.0.1:<port>} peer URLs and reach each other without the proxied links (no
   * partitions then), as an etcd cluster started with the same flags would.
   */
  static KetchCluster start(boolean direct, int size, int slots, String... extraFlags) {
    KetchCluster c = new KetchCluster(direct, size, slots, List.of(extraFlags));
    try {
      for (int i = 1; i <= size; i++) {
        c.member(i).start();
      }
      for (int i = 1; i <= size; i++) {
        try {
          c.member(i).awaitServing(90_000);
        } catch (RuntimeException e) {
          // the member's own account of why, before close() deletes its log
          throw new IllegalStateException(e.getMessage() + "; its log ends:\n" + c.logTail(i, 60), e);
        }
      }
      return c;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private KetchCluster(boolean direct, int size, int slots, List<String> extraFlags) {
    this.direct = direct;
    this.size = size;
    this.slots = slots;
    this.extraFlags = extraFlags;
    this.clientPorts = new int[slots];
    this.peerPorts = new int[slots];
    for (int i = 0; i < slots; i++) {
      clientPorts[i] = TestDirs.freePort();
      peerPorts[i] = TestDirs.freePort();
    }
    try {
      network = new PeerNetwork(dir, slots, peerPorts);
    } catch (IOException e) {
      TestDirs.delete(dir);
      throw new UncheckedIOException(e);
    }
    List<String> flags = new ArrayList<>(List.of("--initial-cluster", initialCluster(size),
        "--initial-cluster-token", "ketch-test", "--initial-cluster-state", "new"));
    flags.addAll(extraFlags);
    this.startFlags = List.copyOf(flags);
    for (int i = 1; i <= size; i++) {
      members.put(i, newMember(i, flags));
    }
  }

  private MemberProcess newMember(int i, List<String> flags) {
    return new MemberProcess(i, dir.resolve("m" + i), clientPorts[i - 1], peerPorts[i - 1], peerUrl(i),
        network.hostsFile(i), flags);
  }

  /**
   * Member {@code i} (stopped) moved to the peer URL of slot {@code to} (after MemberUpdate gave it
   * that URL): same name, data and client port, listening on slot {@code to}'s peer port.
   */
  MemberProcess moved(int i, int to, List<String> flags) {
    MemberProcess m = new MemberProcess(i, dir.resolve("m" + i), clientPorts[i - 1], peerPorts[to - 1], peerUrl(to),
        network.hostsFile(i), flags);
    members.put(i, m);
    return m;
  }

  /** Member {@code i} (stopped) again on its data, with the flags it first started with plus {@code more}. */
  MemberProcess restarted(int i, String... more) {
    List<String> flags = new ArrayList<>(startFlags);
    flags.addAll(List.of(more));
    return moved(i, i, flags);
  }

  /** The --initial-cluster of members 1..n. */
  String initialCluster(int n) {
    List<String> parts = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      parts.add("m" + i + "=" + peerUrl(i));
    }
    return String.join(",", parts);
  }

  /** The peer URL of slot {@code i}. */
  String peerUrl(int i) {
    return "http://" + (direct ? "127.0.0.1" : PeerNetwork.host(i)) + ":" + peerPorts[i - 1];
  }

  /** The peer port of slot {@code i}. */
  int peerPort(int i) {
    return peerPorts[i - 1];
  }

  /** The client port of slot {@code i}. */
  int clientPort(int i) {
    return clientPorts[i - 1];
  }

  /**
   * A member for slot {@code i} that joins the running cluster (after the test added it with
   * MemberAdd), started with {@code --initial-cluster-state existing} and {@code initialCluster}, and
   * the cluster's extra flags followed by {@code more}.
   */
  MemberProcess joiner(int i, String initialCluster, String... more) {
    List<String> flags = new ArrayList<>(List.of("--initial-cluster", initialCluster,
        "--initial-cluster-state", "existing"));
    flags.addAll(extraFlags);
    flags.addAll(List.of(more)); // later flags win
    MemberProcess m = newMember(i, flags);
    members.put(i, m);
    return m;
  }

  @Override
  public int size() {
    return size;
  }

  MemberProcess member(int i) {
    MemberProcess m = members.get(i);
    if (m == null) {
      throw new IllegalArgumentException("no member in slot " + i);
    }
    return m;
  }

  /** The members the cluster has now, in slot order. */
  List<MemberProcess> members() {
    List<MemberProcess> out = new ArrayList<>();
    for (int i = 1; i <= slots; i++) {
      if (members.containsKey(i)) {
        out.add(members.get(i));
      }
    }
    return out;
  }

  PeerNetwork network() {
    return network;
  }

  /** Status of member {@code i}, or null when it does not answer within a second. */
  @Override
  public synchronized StatusResponse status(int i) {
    ManagedChannel ch = channels.computeIfAbsent(i, k -> member(k).channel());
    try {
      return MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(1, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public List<Integer> memberNumbers() {
    List<Integer> out = new ArrayList<>();
    for (MemberProcess m : members()) {
      out.add(m.index());
    }
    return out;
  }

  @Override
  public String memberName(int m) {
    return member(m).name();
  }

  @Override
  public String address(int m) {
    return member(m).address();
  }

  @Override
  public ManagedChannel newChannel(int m) {
    return member(m).channel();
  }

  @Override
  public boolean isRunning(int m) {
    return member(m).isAlive() && !member(m).isPaused();
  }

  @Override
  public void kill(int m) {
    member(m).kill();
  }

  @Override
  public void start(int m) {
    member(m).start();
  }

  @Override
  public void terminate(int m) {
    member(m).terminate();
  }

  @Override
  public void pause(int m) {
    member(m).pause();
  }

  @Override
  public void resume(int m) {
    member(m).resume();
  }

  @Override
  public void partition(boolean drop, List<Set<Integer>> groups) {
    network.partition(drop, groups);
  }

  @Override
  public void heal() {
    network.heal();
  }

  @Override
  public String diagnostics(int m) {
    return "; cut links: " + network.cutLinks() + "\n" + logTail(m, 20);
  }

  /** Member {@code i}'s ID (from its status). */
  long memberId(int i) {
    StatusResponse s = status(i);
    if (s == null) {
      throw new IllegalStateException("m" + i + " does not answer");
    }
    return s.getHeader().getMemberId();
  }

  /** What member {@code i} logged (for failure messages). */
  String logTail(int i, int lines) {
    try {
      List<String> all = Files.readAllLines(member(i).log());
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    for (MemberProcess m : members.values()) {
      m.kill();
    }
    network.close();
    TestDirs.delete(dir);
  }
}
