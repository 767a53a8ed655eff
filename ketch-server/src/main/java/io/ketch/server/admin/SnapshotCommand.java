package io.ketch.server.admin;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ketch snapshot ...}, etcdutl's snapshot commands. So far {@code status FILE
 * [-w simple|table|json]}; restore is to come (issue 13).
 */
public final class SnapshotCommand {
  private SnapshotCommand() {}

  /** Runs {@code args} (after "snapshot"); returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || !args[0].equals("status")) {
      err.println("Usage: ketch snapshot status <filename> [-w simple|table|json]");
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
}
