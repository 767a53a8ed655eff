package io.ketch.it.cluster;

import io.ketch.it.Endpoint;
import io.ketch.it.Readiness;
import io.ketch.it.TestDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of Debian etcd 3.4 members (the oracle), each its own process on loopback with a fresh
 * data directory and free ports, started as {@link KetchCluster} starts Ketch in direct mode: the same
 * flags, {@code http://127.0.0.1:<port>} URLs, token {@value #TOKEN}, and slots wired in advance for
 * members the test adds later (they join with {@code --initial-cluster-state existing}).
 */
final class EtcdCluster implements ClusterSlots {
  static final Path ETCD = Path.of("/usr/bin/etcd");
  /** The --initial-cluster-token, the one KetchCluster uses too. */
  static final String TOKEN = "ketch-test";

  private final Path dir = TestDirs.newDir("etcd-cluster");
  private final int[] clientPorts;
  private final int[] peerPorts;
  private final List<String> extraFlags;
  private final Map<Integer, Process> processes = new HashMap<>();

  /**
   * Starts {@code size} members (and wires {@code slots} in all), each with {@code extraFlags}, and
   * waits until every one answers a linearizable read.
   */
  static EtcdCluster start(int size, int slots, String... extraFlags) {
    if (!Files.isExecutable(ETCD)) {
      throw new IllegalStateException("etcd is missing: run bin/test (it installs Debian's etcd-server)");
    }
    EtcdCluster c = new EtcdCluster(slots, List.of(extraFlags));
    try {
      List<String> parts = new ArrayList<>();
      for (int i = 1; i <= size; i++) {
        parts.add("m" + i + "=" + c.peerUrl(i));
      }
      for (int i = 1; i <= size; i++) {
        c.launch(i, List.of("--initial-cluster", String.join(",", parts),
            "--initial-cluster-token", TOKEN, "--initial-cluster-state", "new"));
      }
      for (int i = 1; i <= size; i++) {
        Readiness.await(c.endpoint(i), 30_000, c.processes.get(i));
      }
      return c;
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private EtcdCluster(int slots, List<String> extraFlags) {
    this.extraFlags = extraFlags;
    clientPorts = new int[slots];
    peerPorts = new int[slots];
    for (int i = 0; i < slots; i++) {
      clientPorts[i] = TestDirs.freePort();
      peerPorts[i] = TestDirs.freePort();
    }
  }

  private synchronized void launch(int slot, List<String> bootstrapFlags) {
    Process running = processes.get(slot);
    if (running != null && running.isAlive()) {
      throw new IllegalStateException("m" + slot + " is running");
    }
    Path home = dir.resolve("m" + slot);
    List<String> cmd = new ArrayList<>(List.of(ETCD.toString(),
        "--name", "m" + slot, "--data-dir", home.resolve("data").toString(),
        "--listen-client-urls", clientUrl(slot), "--advertise-client-urls", clientUrl(slot),
        "--listen-peer-urls", peerUrl(slot), "--initial-advertise-peer-urls", peerUrl(slot)));
    cmd.addAll(bootstrapFlags);
    cmd.addAll(extraFlags);
    try {
      Files.createDirectories(home);
      processes.put(slot, new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log(slot).toFile()))
          .start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path log(int slot) {
    return dir.resolve("m" + slot).resolve("etcd.log");
  }

  @Override
  public String label() {
    return "etcd";
  }

  @Override
  public String peerUrl(int slot) {
    return "http://127.0.0.1:" + peerPort(slot);
  }

  @Override
  public int peerPort(int slot) {
    return peerPorts[slot - 1];
  }

  @Override
  public int clientPort(int slot) {
    return clientPorts[slot - 1];
  }

  @Override
  public Endpoint endpoint(int slot) {
    return new Member("m" + slot, "127.0.0.1:" + clientPort(slot));
  }

  @Override
  public void startJoiner(int slot, String initialCluster) {
    launch(slot, List.of("--initial-cluster", initialCluster, "--initial-cluster-state", "existing"));
  }

  @Override
  public synchronized boolean running(int slot) {
    Process p = processes.get(slot);
    return p != null && p.isAlive();
  }

  @Override
  public int awaitExit(int slot, long seconds) {
    Process p;
    synchronized (this) {
      p = processes.get(slot);
    }
    if (p == null) {
      throw new IllegalArgumentException("no member was started in slot " + slot);
    }
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public String logTail(int slot, int lines) {
    try {
      List<String> all = Files.readAllLines(log(slot));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public synchronized void close() {
    for (Process p : processes.values()) {
      p.destroyForcibly();
    }
    for (Process p : processes.values()) {
      try {
        p.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    TestDirs.delete(dir);
  }

  /** An etcd member's client address. */
  private record Member(String name, String address) implements Endpoint {
    @Override
    public void close() {
      // the cluster owns the process
    }
  }
}
