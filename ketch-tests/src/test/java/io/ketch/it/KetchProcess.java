package io.ketch.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ketch run as its own process from the packaged jar, so a test can kill it with SIGKILL and start
 * it again on the same data directory and ports.
 */
final class KetchProcess implements Endpoint {
  private final Path dir;
  private final int clientPort;
  private final int peerPort;
  private final List<String> extraFlags;
  private Process process;

  KetchProcess(Path dir, int clientPort, int peerPort, String... extraFlags) {
    this.dir = dir;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.extraFlags = List.of(extraFlags);
    start();
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("ketch.server.jar", "../ketch-server/target/ketch-server.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no server jar at " + jar + ": build with ./mvnw package (bin/test does)");
    }
    return jar;
  }

  void start() {
    String client = "http://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try {
      List<String> cmd = new java.util.ArrayList<>(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-jar", jar().toString(),
          "--name", "crash", "--data-dir", dir.resolve("data").toString(),
          "--listen-client-urls", client, "--advertise-client-urls", client,
          "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
          "--initial-cluster", "crash=" + peer));
      cmd.addAll(extraFlags);
      process = TestDirs.nativeLibraryIn(new ProcessBuilder(cmd), dir)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("ketch.log").toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Readiness.await(this, 60_000, process);
  }

  /** SIGKILL: no shutdown hook, no flush, as a crash. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits up to {@code seconds} for the process to end; its exit code, or -1 if it still runs. */
  int awaitExit(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  @Override
  public String name() {
    return "ketch-process";
  }

  @Override
  public String address() {
    return "127.0.0.1:" + clientPort;
  }

  Path log() {
    return dir.resolve("ketch.log");
  }

  @Override
  public void close() {
    kill();
  }
}
