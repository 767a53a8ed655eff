package io.ketch.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's etcd 3.4 (the oracle), started on fresh data and free loopback ports, the way Ketch is
 * started. Fails loudly when etcd is not installed: bin/test installs it.
 */
final class EtcdOracle implements Endpoint {
  static final Path ETCD = Path.of("/usr/bin/etcd");

  private final Path dir = TestDirs.newDir("etcd-oracle");
  private final int clientPort = TestDirs.freePort();
  private final Process process;

  EtcdOracle(String... extraFlags) {
    if (!Files.isExecutable(ETCD)) {
      throw new IllegalStateException("the etcd oracle is missing: run bin/test (it installs Debian's etcd-server)");
    }
    int peerPort = TestDirs.freePort();
    String client = "http://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    try {
      List<String> cmd = new ArrayList<>(List.of(ETCD.toString(),
          "--name", "oracle", "--data-dir", dir.resolve("data").toString(),
          "--listen-client-urls", client, "--advertise-client-urls", client,
          "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
          "--initial-cluster", "oracle=" + peer));
      cmd.addAll(List.of(extraFlags));
      process = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("etcd.log").toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Readiness.await(this, 30_000, process);
  }

  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public String address() {
    return "127.0.0.1:" + clientPort;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    TestDirs.delete(dir);
  }
}
