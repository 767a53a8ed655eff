package io.ketch.it;

import io.ketch.server.KetchServer;
import io.ketch.server.config.Flags;
import java.nio.file.Path;
import java.util.Map;

/** A Ketch member running in the test's JVM on fresh data and free loopback ports. */
final class KetchNode implements Endpoint {
  private final Path dir = TestDirs.newDir("ketch-node");
  private final int clientPort = TestDirs.freePort();
  private final KetchServer server;

  KetchNode(String... extraFlags) {
    this(false, extraFlags);
  }

  /** A member whose client port serves TLS ({@code extraFlags} give its certificate files). */
  static KetchNode https(String... extraFlags) {
    return new KetchNode(true, extraFlags);
  }

  private KetchNode(boolean https, String... extraFlags) {
    int peerPort = TestDirs.freePort();
    String client = (https ? "https" : "http") + "://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    String[] base = {"--name", "node", "--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "node=" + peer};
    String[] args = new String[base.length + extraFlags.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extraFlags, 0, args, base.length, extraFlags.length);
    try {
      Flags.Serve serve = (Flags.Serve) Flags.parse(args, Map.of());
      server = KetchServer.start(serve.config());
    } catch (Exception e) {
      TestDirs.delete(dir);
      throw new IllegalStateException("ketch did not start: " + e, e);
    }
  }

  /** The member's data directory. */
  Path dataDir() {
    return dir.resolve("data");
  }

  /** The running server. */
  KetchServer server() {
    return server;
  }

  @Override
  public String name() {
    return "ketch";
  }

  @Override
  public String address() {
    return "127.0.0.1:" + clientPort;
  }

  @Override
  public void close() {
    server.close();
    TestDirs.delete(dir);
  }
}
