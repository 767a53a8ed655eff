package io.ketch.embed;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.MoveLeaderRequest;
import io.ketch.server.config.Flags;
import io.ketch.server.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Ketch member or cluster running inside this JVM: real servers (RocksDB, a Raft log with fsync,
 * real loopback sockets) that etcd clients reach at {@link #endpoints()}, started in well under a
 * second and closed with everything they started.
 *
 * <pre>{@code
 * try (EmbeddedKetch ketch = EmbeddedKetch.builder().members(3).start();
 *      Client client = Client.builder().endpoints(ketch.endpoints().toArray(String[]::new)).build()) {
 *   client.kv().put(...);
 *   ketch.leader().kill();        // the others elect a new leader
 * }
 * }</pre>
 *
 * <p>Several clusters may run in one JVM at once: each has its own ports, directories, thread pools
 * and cluster ID. Thread-safe.
 */
public final class EmbeddedKetch implements AutoCloseable {
  /** Flags the builder sets itself for each member. */
  private static final Set<String> MANAGED_FLAGS = Set.of("name", "data-dir", "listen-client-urls",
      "advertise-client-urls", "listen-peer-urls", "initial-advertise-peer-urls", "initial-cluster",
      "initial-cluster-state", "initial-cluster-token");

  static {
    // as the ketch command does (Main): on two cores the common pool's parallelism is 1, and then
    // every async task Ratis's follower starts per append gets a thread of its own. Takes effect only
    // if nothing in this JVM has used the common pool yet; else the member logs a warning.
    if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null
        && Runtime.getRuntime().availableProcessors() <= 2) {
      System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", "2");
    }
  }

  /** The Raft timings an embedded member starts with unless {@link Builder#config} says otherwise. */
  static final int DEFAULT_HEARTBEAT_MILLIS = 25;
  static final int DEFAULT_ELECTION_MILLIS = 250;

  private final List<EmbeddedMember> members = new ArrayList<>();
  private final Path tempDir;
  private boolean closed;
  /** The partition in force (members' indexes by group), or null when healed. */
  private List<Set<Integer>> groups;
  private final Set<Integer> paused = new java.util.HashSet<>();
  private java.util.concurrent.ScheduledExecutorService timer;

  private EmbeddedKetch(Path tempDir) {
    this.tempDir = tempDir;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** How to start an embedded member or cluster. */
  public static final class Builder {
    private Path dataDir;
    private int clientPort;
    private int members = 1;
    private final List<String> flags = new ArrayList<>();

    private Builder() {}

    /**
     * Where the data goes (a cluster's members get {@code m0}, {@code m1}... below it); by default a
     * new temporary directory, deleted on {@link #close()}.
     */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** The client port of a single member (0, the default: a free one). */
    public Builder clientPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("client port " + port + " is not a port");
      }
      this.clientPort = port;
      return this;
    }

    /** How many members: 1, 3 or 5. */
    public Builder members(int n) {
      if (n != 1 && n != 3 && n != 5) {
        throw new IllegalArgumentException("members must be 1, 3 or 5, not " + n);
      }
      this.members = n;
      return this;
    }

    /**
     * Any flags of the {@code ketch} command, e.g. {@code config("--auth-token", "jwt,...")} or
     * {@code config("--election-timeout=500")}; all but the member's name, directories and URLs, which
     * the builder sets.
     */
    public Builder config(String... more) {
      for (String f : more) {
        if (f.startsWith("-")) {
          String name = f.replaceFirst("^--?", "");
          int eq = name.indexOf('=');
          name = eq < 0 ? name : name.substring(0, eq);
          if (MANAGED_FLAGS.contains(name)) {
            throw new IllegalArgumentException("--" + name + " is set by EmbeddedKetch (use dataDir/clientPort/members)");
          }
        }
        flags.add(f);
      }
      return this;
    }

    /** Starts every member and returns once all serve clients. */
    public EmbeddedKetch start() throws EmbeddedKetchException {
      if (clientPort != 0 && members > 1) {
        throw new IllegalArgumentException("a fixed client port is for a single member; a cluster picks free ports");
      }
      Path temp = null;
      Path root = dataDir;
      try {
        if (root == null) {
          temp = Files.createTempDirectory("ketch-embed-");
          root = temp;
        }
      } catch (IOException e) {
        throw new EmbeddedKetchException("cannot make a temporary data directory: " + e.getMessage(), e);
      }
      Layout layout;
      try {
        layout = Layout.of(root, members, clientPort);
      } catch (EmbeddedKetchException e) {
        deleteQuietly(temp);
        throw e;
      }
      String token = layout.token();
      int[] clientPorts = layout.clientPorts();
      int[] peerPorts = layout.peerPorts();
      List<String> cluster = new ArrayList<>();
      for (int i = 0; i < members; i++) {
        cluster.add(name(i) + "=http://127.0.0.1:" + peerPorts[i]);
      }
      EmbeddedKetch ketch = new EmbeddedKetch(temp);
      List<EmbeddedMember> list = ketch.members;
      for (int i = 0; i < members; i++) {
        Path dir = members == 1 ? root : root.resolve(name(i));
        List<String> args = new ArrayList<>(List.of(
            "--name=" + name(i),
            "--data-dir=" + dir,
            "--listen-client-urls=http://127.0.0.1:" + clientPorts[i],
            "--advertise-client-urls=http://127.0.0.1:" + clientPorts[i],
            "--listen-peer-urls=http://127.0.0.1:" + peerPorts[i],
            "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPorts[i],
            "--initial-cluster=" + String.join(",", cluster),
            "--initial-cluster-token=" + token,
            // loopback in one process: a tenth of etcd's defaults, so a member leads in ~150-300 ms
            // (config(...) may set others: later flags win)
            "--heartbeat-interval=" + DEFAULT_HEARTBEAT_MILLIS,
            "--election-timeout=" + DEFAULT_ELECTION_MILLIS));
        args.addAll(flags);
        ServerConfig cfg;
        try {
          Flags.Command cmd = Flags.parse(args.toArray(String[]::new), Map.of());
          if (!(cmd instanceof Flags.Serve serve)) {
            throw new IllegalArgumentException("config(...) asked for help or the version, not a server");
          }
          cfg = serve.config();
        } catch (Flags.FlagException e) {
          deleteQuietly(temp);
          throw new IllegalArgumentException("bad config: " + e.getMessage(), e);
        }
        list.add(new EmbeddedMember(ketch, i, cfg));
      }
      // every member waits for a quorum before it serves: they start together
      ExecutorService starters = Executors.newFixedThreadPool(members, r -> new Thread(r, "ketch-embed-start"));
      try {
        List<Future<?>> started = new ArrayList<>();
        for (EmbeddedMember m : list) {
          started.add(starters.submit(() -> {
            m.start();
            return null;
          }));
        }
        for (Future<?> f : started) {
          f.get();
        }
      } catch (ExecutionException e) {
        ketch.close();
        throw e.getCause() instanceof EmbeddedKetchException k ? k
            : new EmbeddedKetchException("the cluster did not start: " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ketch.close();
        throw new EmbeddedKetchException("interrupted while the cluster started", e);
      } finally {
        starters.shutdownNow();
      }
      return ketch;
    }

    private String name(int i) {
      return members == 1 ? "default" : "m" + i;
    }
  }

  /** A port nobody listens on now, on 127.0.0.1. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The client URLs of every member, e.g. {@code http://127.0.0.1:40123}, as etcd clients take them. */
  public List<String> endpoints() {
    return members.stream().map(m -> m.clientUrl().toString()).toList();
  }

  /** The client URLs of every member. */
  public List<URI> clientUrls() {
    return members.stream().map(EmbeddedMember::clientUrl).toList();
  }

  public int size() {
    return members.size();
  }

  /** Member {@code i}, from 0. */
  public EmbeddedMember member(int i) {
    return members.get(i);
  }

  public List<EmbeddedMember> members() {
    return List.copyOf(members);
  }

  /**
   * Drops peer traffic between the groups: a member then talks only with the members of its own
   * group, while a member named in no group talks with everyone (a bridge). A minority loses its
   * leader and its writes fail; {@link #heal()} ends it.
   */
  @SafeVarargs
  public final synchronized void partition(Set<Integer>... memberGroups) {
    List<Set<Integer>> g = new ArrayList<>();
    Set<Integer> named = new java.util.HashSet<>();
    for (Set<Integer> group : memberGroups) {
      for (int i : group) {
        if (i < 0 || i >= members.size()) {
          throw new IllegalArgumentException("no member " + i + " (members are 0.." + (members.size() - 1) + ")");
        }
        if (!named.add(i)) {
          throw new IllegalArgumentException("member " + i + " is in two groups");
        }
      }
      g.add(Set.copyOf(group));
    }
    groups = g;
    rewire();
  }

  /** Ends a {@link #partition}: every member talks with every other again. */
  public synchronized void heal() {
    groups = null;
    rewire();
  }

  synchronized void setPaused(EmbeddedMember m, boolean on) {
    if (on) {
      paused.add(m.index());
      m.faults().pause();
    } else {
      paused.remove(m.index());
    }
    rewire();
    if (!on) {
      m.faults().resume();
    }
  }

  synchronized void later(java.time.Duration delay, Runnable action) {
    if (timer == null) {
      timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ketch-embed-faults");
        t.setDaemon(true);
        return t;
      });
    }
    timer.schedule(() -> {
      try {
        action.run();
      } catch (IllegalStateException e) {
        // the member or cluster closed in between
      }
    }, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Tells each member which others' peer traffic to drop, from the partition and the paused members. */
  private void rewire() {
    for (EmbeddedMember a : members) {
      Set<Long> blocked = new java.util.HashSet<>();
      for (EmbeddedMember b : members) {
        if (a != b && b.knownId() != 0 && !talk(a.index(), b.index())) {
          blocked.add(b.knownId());
        }
      }
      a.faults().blockPeers(blocked);
    }
  }

  private boolean talk(int a, int b) {
    if (paused.contains(a) || paused.contains(b)) {
      return false;
    }
    if (groups == null) {
      return true;
    }
    Set<Integer> ga = null;
    Set<Integer> gb = null;
    for (Set<Integer> g : groups) {
      ga = g.contains(a) ? g : ga;
      gb = g.contains(b) ? g : gb;
    }
    return ga == null || gb == null || ga == gb;
  }

  /** The running member that leads, waiting up to 30 s for one. */
  public EmbeddedMember leader() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (EmbeddedMember m : members) {
        if (m.isLeader()) {
          return m;
        }
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new IllegalStateException("no leader among the running members within 30 s");
  }

  /** Makes member {@code i} the leader (etcd's MoveLeader, asked of the current leader). */
  public void transferLeadership(int i) {
    EmbeddedMember target = member(i);
    long targetId = target.id();
    EmbeddedMember leader = leader();
    if (leader == target) {
      return;
    }
    ManagedChannel ch = NettyChannelBuilder.forTarget(leader.endpoint()).usePlaintext().build();
    try {
      MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
          .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(targetId).build());
    } finally {
      ch.shutdownNow();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!target.isLeader()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("member " + target.name() + " did not become leader within 30 s");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Stops every member (abruptly: this is the end of a test) and deletes a temporary data directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (timer != null) {
      timer.shutdownNow();
    }
    members.parallelStream().forEach(EmbeddedMember::close);
    deleteQuietly(tempDir);
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary directory
    }
  }
}
