package io.ketch.it.cluster;

import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.Member;
import io.ketch.api.etcdserverpb.MemberListRequest;
import io.ketch.api.etcdserverpb.StatusRequest;
import io.ketch.api.etcdserverpb.StatusResponse;
import io.ketch.it.Etcdctl;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One cluster's side of a differential etcdctl session: runs etcdctl against the cluster's members
 * and records what every command printed, rewritten by {@link EtcdctlCanon}, along with what the
 * session observed between commands (a member joined, a leader was elected), so a test can compare
 * two sides entry by entry. Commands go to m1's client URL unless told otherwise.
 */
final class EtcdctlSession implements AutoCloseable {
  /** One command, or one observation, and its outcome, comparable across clusters. */
  record Entry(String command, String output) {}

  private record Pending(List<String> args, Etcdctl.Result result, boolean electedLeader, String note) {}

  private static final List<String> TIMEOUTS = List.of("--dial-timeout=3s", "--command-timeout=15s");
  private static final Pattern INITIAL_CLUSTER = Pattern.compile("(?m)^ETCD_INITIAL_CLUSTER=\"(.*)\"$");
  private static final String NOT_IN_SYNC =
      "Error: etcdserver: can only promote a learner member which is in sync with leader";
  /** etcd's HealthInterval: strict reconfiguration wants every voter connected this long. */
  private static final long CONNECTED_FOR_NANOS = TimeUnit.MILLISECONDS.toNanos(5_500);

  private final ClusterSlots cluster;
  private final EtcdctlCanon canon;
  private final List<Pending> pending = new ArrayList<>();
  private final Map<Integer, ManagedChannel> channels = new HashMap<>();
  private long lastJoinNanos = System.nanoTime();

  /** A session on a freshly started cluster of members 1..{@code size}; wires {@code slots}. */
  EtcdctlSession(ClusterSlots cluster, int size, int slots) {
    this.cluster = cluster;
    this.canon = new EtcdctlCanon(cluster, slots);
    learn();
    List<Long> ids = new ArrayList<>();
    StringBuilder wrong = new StringBuilder();
    for (int i = 1; i <= size; i++) {
      long expected = sha1First8(cluster.peerUrl(i) + EtcdCluster.TOKEN);
      ids.add(canon.id(i));
      if (canon.id(i) != expected) {
        wrong.append(" m").append(i).append(" is ").append(hex(i)).append(", not ").append(Long.toHexString(expected));
      }
    }
    long expectedCluster = clusterIdOf(ids);
    if (canon.clusterId() != expectedCluster) {
      wrong.append(" the cluster is ").append(Long.toHexString(canon.clusterId())).append(", not ")
          .append(Long.toHexString(expectedCluster));
    }
    note("the IDs of the initial members and of the cluster", wrong.isEmpty() ? "as etcd derives them from the flags"
        : "not as etcd derives them from the flags:" + wrong);
  }

  String label() {
    return cluster.label();
  }

  /**
   * The hex ID of the member in slot {@code slot}, as etcdctl takes it; if the cluster never had one
   * (adding it failed), a word etcdctl refuses, so the session goes on and the difference shows.
   */
  String hex(int slot) {
    return canon.known(slot) ? Long.toHexString(canon.id(slot)) : "no-id-for-m" + slot;
  }

  String peerUrl(int slot) {
    return cluster.peerUrl(slot);
  }

  /** Runs {@code etcdctl args} against m1; records it. */
  Etcdctl.Result run(String... args) {
    return at(List.of(1), args);
  }

  /** Runs {@code etcdctl args} with {@code --endpoints} the client URLs of {@code slots}, in that order; records it. */
  Etcdctl.Result at(List<Integer> slots, String... args) {
    long before = System.currentTimeMillis();
    Etcdctl.Result r = exec(slots, args);
    long after = System.currentTimeMillis();
    pending.add(new Pending(command(slots, args), r, false, null));
    if (args.length >= 2 && args[0].equals("member") && args[1].equals("add") && r.exit() == 0) {
      checkAddedIds(learn(), before / 1000 - 1, after / 1000 + 1);
    }
    return r;
  }

  /**
   * Runs {@code etcdctl args} against m1 and records it with which member leads left out of the
   * comparison (the cluster has just elected it), though not that exactly one does.
   */
  void afterElection(String... args) {
    pending.add(new Pending(command(List.of(1), args), exec(List.of(1), args), true, null));
  }

  /** Records an observation the session made, as a pseudo-command with an outcome. */
  void note(String what, String outcome) {
    pending.add(new Pending(List.of("(" + what + ")"), null, false, outcome));
  }

  /** What was recorded since the last call, comparable. */
  List<Entry> take() {
    List<Entry> out = new ArrayList<>();
    for (Pending p : pending) {
      String output = p.result() == null ? p.note() : canon.canon(p.result(), p.electedLeader());
      out.add(new Entry(canon.command(p.args()), output));
    }
    pending.clear();
    return out;
  }

  private Etcdctl.Result exec(List<Integer> slots, String... args) {
    List<String> endpoints = new ArrayList<>();
    for (int s : slots) {
      endpoints.add(cluster.clientUrl(s));
    }
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(TIMEOUTS);
    long t0 = System.nanoTime();
    Etcdctl.Result r = Etcdctl.exec(endpoints, all.toArray(String[]::new));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    if (ms > 2_000) {
      System.out.printf("%s: etcdctl %s took %d ms%n", label(), String.join(" ", args), ms);
    }
    return r;
  }

  private List<String> command(List<Integer> slots, String... args) {
    List<String> out = new ArrayList<>();
    if (!slots.equals(List.of(1))) {
      List<String> eps = new ArrayList<>();
      for (int s : slots) {
        eps.add(cluster.clientUrl(s));
      }
      out.add("--endpoints=" + String.join(",", eps));
    }
    out.addAll(List.of(args));
    return out;
  }

  /** Learns IDs from the cluster's own {@code member list -w json} (not recorded). */
  private Map<Integer, Long> learn() {
    Etcdctl.Result r = exec(List.of(1), "member", "list", "-w", "json");
    if (r.exit() != 0) {
      throw new IllegalStateException(label() + ": member list failed: " + r);
    }
    return canon.learn(r.stdout());
  }

  /** A member added between {@code fromSecond} and {@code toSecond} must have etcd's NewMember ID. */
  private void checkAddedIds(Map<Integer, Long> added, long fromSecond, long toSecond) {
    for (Map.Entry<Integer, Long> e : added.entrySet()) {
      boolean derived = false;
      for (long t = fromSecond; t <= toSecond; t++) {
        derived |= sha1First8(cluster.peerUrl(e.getKey()) + t) == e.getValue();
      }
      note("the ID of added member m" + e.getKey(), derived ? "as etcd derives it from its peer URL and the time"
          : "not as etcd derives it from its peer URL and the time: " + Long.toHexString(e.getValue()));
    }
  }

  /** Starts the member of slot {@code slot}, joining with {@code initialCluster}. */
  void startJoiner(int slot, String initialCluster) {
    cluster.startJoiner(slot, initialCluster);
  }

  /** The ETCD_INITIAL_CLUSTER value {@code member add} printed. */
  static String initialCluster(Etcdctl.Result add) {
    Matcher m = INITIAL_CLUSTER.matcher(add.stdout());
    if (!m.find()) {
      throw new IllegalStateException("member add printed no ETCD_INITIAL_CLUSTER: " + add);
    }
    return m.group(1);
  }

  /** Waits until m1's member list shows slot {@code slot}'s member started (it has published its name). */
  void awaitStarted(int slot) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String outcome = null;
    while (outcome == null) {
      for (Member m : members()) {
        if (m.getPeerURLsList().contains(peerUrl(slot)) && !m.getName().isEmpty()) {
          outcome = "started";
        }
      }
      if (outcome == null && !cluster.running(slot)) {
        outcome = "exited:\n" + cluster.logTail(slot, 30);
      } else if (outcome == null && System.nanoTime() > deadline) {
        outcome = "not started after 90 s:\n" + cluster.logTail(slot, 30);
      } else if (outcome == null) {
        KetchCluster.sleep(100);
      }
    }
    lastJoinNanos = System.nanoTime();
    note("m" + slot + " joins and publishes its name", outcome);
  }

  /**
   * Waits until every voter has been connected for etcd's health interval since the last member
   * joined: etcd's strict reconfiguration check refuses membership changes until then.
   */
  void settle() {
    long wait = lastJoinNanos + CONNECTED_FOR_NANOS - System.nanoTime();
    if (wait > 0) {
      KetchCluster.sleep(TimeUnit.NANOSECONDS.toMillis(wait) + 1);
    }
  }

  /**
   * Runs {@code member promote} on slot {@code slot}'s learner until it is no longer refused as not
   * in sync (as etcd's users do), up to a minute; records only the last run.
   */
  void promoteWhenInSync(int slot) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Etcdctl.Result r = exec(List.of(1), "member", "promote", hex(slot));
      if (r.exit() == 0 || !r.stderr().contains(NOT_IN_SYNC) || System.nanoTime() > deadline) {
        pending.add(new Pending(command(List.of(1), "member", "promote", hex(slot)), r, false, null));
        return;
      }
      KetchCluster.sleep(200);
    }
  }

  /**
   * Waits up to 30 s until the members {@code among} agree on a leader among them; records the
   * outcome (not which member leads) and returns the leader's slot, or -1.
   */
  int awaitLeader(List<Integer> among) {
    int leader = leader(among, 30);
    note("the members " + names(among) + " agree on a leader among them", leader > 0 ? "yes" : "no");
    return leader;
  }

  /**
   * Makes slot {@code target} the leader, with etcdctl move-leader if another member leads (setup:
   * the leader etcd and Ketch elected themselves differs by chance); records whether it worked.
   */
  void ensureLeader(int target, List<Integer> members) {
    int leader = leader(members, 30);
    String outcome = "yes";
    if (leader != target) {
      Etcdctl.Result r = exec(members, "move-leader", hex(target));
      leader = leader(members, 15);
      if (leader != target) {
        outcome = "no: move-leader printed " + canon.canon(r, false) + "; leader now m" + leader;
      }
    }
    note("setup: m" + target + " leads", outcome);
  }

  private int leader(List<Integer> among, long seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    do {
      long leader = 0;
      boolean agreed = true;
      Map<Long, Integer> slotOfId = new HashMap<>();
      for (int s : among) {
        StatusResponse st = status(s);
        if (st == null || st.getLeader() == 0 || (leader != 0 && st.getLeader() != leader)) {
          agreed = false;
          break;
        }
        leader = st.getLeader();
        slotOfId.put(st.getHeader().getMemberId(), s);
      }
      if (agreed && slotOfId.containsKey(leader)) {
        return slotOfId.get(leader);
      }
      KetchCluster.sleep(50);
    } while (System.nanoTime() < deadline);
    return -1;
  }

  private StatusResponse status(int slot) {
    try {
      return MaintenanceGrpc.newBlockingStub(channel(slot)).withDeadlineAfter(1, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      return null;
    }
  }

  private List<Member> members() {
    try {
      return ClusterGrpc.newBlockingStub(channel(1)).withDeadlineAfter(2, TimeUnit.SECONDS)
          .memberList(MemberListRequest.getDefaultInstance()).getMembersList();
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  private ManagedChannel channel(int slot) {
    return channels.computeIfAbsent(slot, s -> cluster.endpoint(s).channel());
  }

  /** Records the exit code of slot {@code slot}'s process (up to 20 s), e.g. once it was removed. */
  void noteExit(int slot, String when) {
    int code = cluster.awaitExit(slot, 20);
    note("m" + slot + "'s process " + when, code < 0 ? "still runs after 20 s" : "exited with " + code);
  }

  private static String names(List<Integer> slots) {
    return String.join(",", slots.stream().map(s -> "m" + s).toList());
  }

  /** etcd's ID function: the first 8 bytes of the SHA-1 of {@code s}, big-endian. */
  private static long sha1First8(String s) {
    return sha1First8(s.getBytes(StandardCharsets.UTF_8));
  }

  private static long sha1First8(byte[] in) {
    try {
      return ByteBuffer.wrap(MessageDigest.getInstance("SHA-1").digest(in), 0, 8).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** etcd's cluster ID: over the member IDs in uint64 order, 8 bytes big-endian each. */
  private static long clusterIdOf(List<Long> ids) {
    ByteBuffer b = ByteBuffer.allocate(8 * ids.size());
    ids.stream().sorted(Long::compareUnsigned).forEach(b::putLong);
    return sha1First8(b.array());
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
  }
}
