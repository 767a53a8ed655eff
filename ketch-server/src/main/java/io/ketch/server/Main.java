package io.ketch.server;

import io.ketch.server.admin.SnapshotCommand;
import io.ketch.server.config.Flags;
import io.ketch.server.config.ServerConfig;
import java.util.Arrays;

/** The {@code ketch} command: etcd's flags, then serve until stopped. */
public final class Main {
  private Main() {}

  /** The common pool's parallelism property, read once when the pool is first used. */
  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  public static void main(String[] args) throws Exception {
    // Before anything uses the common pool: on two cores its parallelism defaults to 1, and then
    // CompletableFuture runs every default-executor async task on a new thread. Ratis's follower
    // does that for each append it receives (ServerImplUtils.NavigableIndices.append), so a follower
    // under load started hundreds of threads a second (JFR), costing CPU and latency per entry.
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() <= 2) {
      System.setProperty(COMMON_POOL_PARALLELISM, "2");
    }
    if (args.length > 0 && args[0].equals("snapshot")) {
      System.exit(SnapshotCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
      return;
    }
    Flags.Command cmd;
    try {
      cmd = Flags.parse(args, System.getenv());
    } catch (Flags.FlagException e) {
      System.err.println("ketch: " + e.getMessage());
      System.err.println("Run 'ketch --help' for usage.");
      System.exit(2);
      return;
    }
    if (cmd instanceof Flags.Help) {
      System.out.print(Flags.usage());
      return;
    }
    if (cmd instanceof Flags.Version) {
      System.out.println("Ketch Version: " + Version.KETCH);
      System.out.println("etcd API Version: " + Version.ETCD_API);
      System.out.println("Java Version: " + System.getProperty("java.version"));
      return;
    }
    ServerConfig cfg = ((Flags.Serve) cmd).config();
    KetchServer server;
    try {
      server = KetchServer.start(cfg);
    } catch (Exception e) {
      System.err.println("ketch: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "ketch-shutdown"));
    // returns when the member stops itself (removed from its cluster) or is stopped by a signal
    server.stopped().join();
    if (server.failure().isPresent()) {
      System.err.println("ketch: stopped: " + server.failure().get());
      System.exit(1);
    }
    System.exit(0);
  }
}
