package io.ketch.it.cluster;

import io.ketch.it.Endpoint;
import io.ketch.it.Readiness;
import io.ketch.it.TestDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Ketch member of a test cluster, run as its own process from the packaged jar, with the faults
 * a process can suffer: {@link #kill()} (SIGKILL: no flush, no leadership hand-over),
 * {@link #terminate()} (SIGTERM: a clean stop), {@link #pause()} / {@link #resume()} (SIGSTOP /
 * SIGCONT: the process stops running, its sockets stay open), and {@link #start()} again on the same
 * data directory.
 */
final class MemberProcess implements Endpoint {
  private final int index;
  private final Path dir;
  private final int clientPort;
  private final int peerPort;
  private final String peerUrl;
  private final Path hostsFile;
  private final List<String> flags;
  private Process process;
  private boolean paused;

  /**
   * @param peerUrl the peer URL it advertises (through the test network, or 127.0.0.1 directly)
   * @param flags the member's flags after the fixed ones (name, data dir, URLs): the cluster's
   *     bootstrap flags and any extra
   */
  MemberProcess(int index, Path dir, int clientPort, int peerPort, String peerUrl, Path hostsFile, List<String> flags) {
    this.index = index;
    this.dir = dir;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.peerUrl = peerUrl;
    this.hostsFile = hostsFile;
    this.flags = List.copyOf(flags);
  }

  int index() {
    return index;
  }

  /** The peer URL this member advertises. */
  String peerUrl() {
    return peerUrl;
  }

  /** Starts the process; does not wait for it to serve (see {@link #awaitServing}). */
  synchronized void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("m" + index + " is running");
    }
    String client = "http://127.0.0.1:" + clientPort;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-Xss512k", "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-Djdk.net.hosts.file=" + hostsFile,
        "-jar", jar().toString(),
        "--name", "m" + index, "--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", "http://127.0.0.1:" + peerPort, "--initial-advertise-peer-urls", peerUrl()));
    String debugOpts = System.getenv("KETCH_TEST_MEMBER_JAVA_OPTS"); // e.g. a log level, when chasing a failure
    if (debugOpts != null && !debugOpts.isBlank()) {
      cmd.addAll(2, List.of(debugOpts.trim().split("\\s+")));
    }
    cmd.addAll(flags);
    try {
      Files.createDirectories(dir);
      process = TestDirs.nativeLibraryIn(new ProcessBuilder(cmd), dir)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
          .start();
      paused = false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the member answers a read on its client port. */
  void awaitServing(long timeoutMillis) {
    Readiness.await(this, timeoutMillis, process);
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("ketch.server.jar", "../ketch-server/target/ketch-server.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no server jar at " + jar + ": build with ./mvnw package (bin/test does)");
    }
    return jar;
  }

  /** SIGKILL: no shutdown hook, no flush, no hand-over, as a crash. */
  synchronized void kill() {
    if (process == null) {
      return;
    }
    if (paused) {
      signal("CONT"); // a stopped process still dies of SIGKILL, but keep the bookkeeping simple
    }
    process.destroyForcibly();
    await(30);
  }

  /** SIGTERM: the member stops cleanly (a leader hands over first); waits for the process to end. */
  synchronized void terminate() {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    await(60);
  }

  /** SIGSTOP: the member stops running; its connections stay open but nothing answers. */
  synchronized void pause() {
    signal("STOP");
    paused = true;
  }

  /** SIGCONT. */
  synchronized void resume() {
    signal("CONT");
    paused = false;
  }

  synchronized boolean isPaused() {
    return paused;
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Waits up to {@code seconds} for the process to exit; returns its exit code or -1 if it runs on. */
  int await(long seconds) {
    try {
      if (process.waitFor(seconds, TimeUnit.SECONDS)) {
        return process.exitValue();
      }
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private void signal(String sig) {
    if (process == null || !process.isAlive()) {
      return;
    }
    try {
      Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kill -" + sig + " failed for m" + index);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  Path log() {
    return dir.resolve("ketch.log");
  }

  Path dataDir() {
    return dir.resolve("data");
  }

  @Override
  public String name() {
    return "m" + index;
  }

  @Override
  public String address() {
    return "127.0.0.1:" + clientPort;
  }

  String clientUrl() {
    return "http://" + address();
  }

  @Override
  public void close() {
    kill();
  }
}
