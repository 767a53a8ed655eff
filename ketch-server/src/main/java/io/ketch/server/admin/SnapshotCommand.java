package io.ketch.server.admin;

import io.ketch.server.config.Flags;
import io.ketch.server.config.ServerConfig;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ketch snapshot ...}, etcdutl's snapshot commands: {@code status FILE [-w simple|table|json]}
 * and {@code restore FILE --name ... --data-dir ... --initial-cluster ... --initial-cluster-token ...
 * --initial-advertise-peer-urls ...} (etcdutl's flags and defaults, with Ketch's data dir name).
 */
public final class SnapshotCommand {
  private SnapshotCommand() {}

  /** Runs {@code args} (after "snapshot"); returns the exit status. */
  private static final String USAGE = "Usage: ketch snapshot status <filename> [-w simple|table|json]\n"
      + "       ketch snapshot restore <filename> [--name NAME] [--data-dir DIR] [--initial-cluster CLUSTER]\n"
      + "                              [--initial-cluster-token TOKEN] [--initial-advertise-peer-urls URLS]";

  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("restore")) {
      return restore(Arrays.copyOfRange(args, 1, args.length), out, err);
    }
    if (args.length == 0 || !args[0].equals("status")) {
      err.println(USAGE);
      return 2;
    }
    String file = null;
    String writeOut = "simple";
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-w") || a.equals("--write-out")) {
        if (i + 1 >= args.length) {
          err.println("Error: flag needs an argument: " + a);
          return 2;
        }
        writeOut = args[++i];
      } else if (a.startsWith("--write-out=") || a.startsWith("-w=")) {
        writeOut = a.substring(a.indexOf('=') + 1);
      } else if (a.startsWith("-")) {
        err.println("Error: unknown flag: " + a);
        return 2;
      } else if (file == null) {
        file = a;
      } else {
        err.println("Error: snapshot status takes one file, got another: " + a);
        return 2;
      }
    }
    if (!writeOut.equals("simple") && !writeOut.equals("table") && !writeOut.equals("json")) {
      err.println("Error: unsupported output format " + writeOut + " (simple, table or json)");
      return 2;
    }
    if (file == null) {
      err.println("Error: snapshot status needs a file name");
      return 2;
    }
    if (!Files.isRegularFile(Path.of(file))) {
      err.println("Error: stat " + file + ": no such file");
      return 1;
    }
    try {
      out.print(SnapshotStatus.of(Path.of(file)).format(writeOut));
      return 0;
    } catch (Exception e) {
      err.println("Error: " + e.getMessage());
      return 1;
    }
  }

  private static final List<String> RESTORE_FLAGS = List.of("name", "data-dir", "initial-cluster",
      "initial-cluster-token", "initial-advertise-peer-urls");

  private static int restore(String[] args, PrintStream out, PrintStream err) {
    String file = null;
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("-")) {
        if (file != null) {
          err.println("Error: snapshot restore takes one file, got another: " + a);
          return 2;
        }
        file = a;
        continue;
      }
      String body = a.replaceFirst("^--?", "");
      String name = body.contains("=") ? body.substring(0, body.indexOf('=')) : body;
      if (!RESTORE_FLAGS.contains(name)) {
        err.println("Error: unknown flag: " + a);
        return 2;
      }
      String value;
      if (body.contains("=")) {
        value = body.substring(body.indexOf('=') + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        err.println("Error: flag needs an argument: " + a);
        return 2;
      }
      flags.put(name, value);
    }
    if (file == null) {
      err.println("Error: snapshot restore needs a file name");
      return 2;
    }
    // the server's own flag parsing, so the values mean what they will mean when the member starts
    List<String> serverArgs = new ArrayList<>();
    flags.forEach((k, v) -> {
      serverArgs.add("--" + k);
      serverArgs.add(v);
    });
    ServerConfig cfg;
    try {
      cfg = ((Flags.Serve) Flags.parse(serverArgs.toArray(String[]::new), Map.of())).config();
    } catch (Flags.FlagException e) {
      err.println("Error: " + e.getMessage());
      return 2;
    }
    List<URI> mine = cfg.initialCluster().get(cfg.name());
    if (mine == null) {
      err.println("Error: couldn't find local name \"" + cfg.name() + "\" in the initial cluster configuration");
      return 1;
    }
    if (!new HashSet<>(mine).equals(new HashSet<>(cfg.initialAdvertisePeerUrls()))) {
      err.println("Error: --initial-cluster has " + cfg.name() + "=" + mine + " but --initial-advertise-peer-urls is "
          + cfg.initialAdvertisePeerUrls());
      return 1;
    }
    if (!Files.isRegularFile(Path.of(file))) {
      err.println("Error: stat " + file + ": no such file");
      return 1;
    }
    try {
      SnapshotStatus status = SnapshotStatus.of(Path.of(file));
      SnapshotRestore.restore(Path.of(file), cfg.dataDir());
      out.println("restored snapshot " + file + " (revision " + status.revision() + ", " + status.totalKeys()
          + " keys) to " + cfg.dataDir() + " for member " + cfg.name() + "; start it with the same --name,"
          + " --initial-cluster, --initial-cluster-token and --initial-advertise-peer-urls");
      return 0;
    } catch (Exception e) {
      err.println("Error: " + e.getMessage());
      return 1;
    }
  }
}
