package io.ketch.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs Debian's etcdctl (v3 API) against an endpoint and renders what it printed, comparably. */
public final class Etcdctl {
  static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");

  private Etcdctl() {}

  /** What one etcdctl run printed, as it printed it. */
  public record Result(int exit, String stdout, String stderr) {}

  /** Runs {@code etcdctl args} with {@code stdin}; returns exit code, stdout and stderr, normalized. */
  static String run(Endpoint e, String stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of("--endpoints=" + e.address(), "--dial-timeout=3s",
        "--command-timeout=10s"));
    cmd.addAll(List.of(args));
    Result r = invoke(cmd, stdin);
    return "exit=" + r.exit() + "\n--stdout--\n" + normalize(r.stdout())
        + "--stderr--\n" + normalize(dropClientLogs(r.stderr()));
  }

  /**
   * Runs {@code etcdctl --endpoints=<endpoints joined by ","> args} with no input and returns what it
   * printed untouched: clientv3's retry warnings included, nothing normalized.
   */
  public static Result exec(List<String> endpoints, String... args) {
    List<String> cmd = new ArrayList<>(List.of("--endpoints=" + String.join(",", endpoints)));
    cmd.addAll(List.of(args));
    return invoke(cmd, "");
  }

  private static Result invoke(List<String> args, String stdin) {
    if (!Files.isExecutable(ETCDCTL)) {
      throw new IllegalStateException("etcdctl is missing: run bin/test (it installs Debian's etcd-client)");
    }
    List<String> cmd = new ArrayList<>(List.of(ETCDCTL.toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("ETCDCTL_API", "3");
    try {
      Process p = pb.start();
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      // stderr is drained on its own thread: etcdctl can fill either pipe first (100 retry warnings)
      CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
        try {
          return p.getErrorStream().readAllBytes();
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
      });
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("etcdctl " + String.join(" ", args) + " did not finish");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
          new String(err.join(), StandardCharsets.UTF_8));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(ex);
    }
  }

  /**
   * Starts a long-running {@code etcdctl args} (such as {@code watch}) whose output goes to
   * {@code out}; the caller stops it with {@link #stop}.
   */
  static Process start(Endpoint e, Path out, String... args) {
    List<String> cmd = new ArrayList<>(List.of(ETCDCTL.toString(), "--endpoints=" + e.address(), "--dial-timeout=3s"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("ETCDCTL_API", "3");
    try {
      return pb.start();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /** Waits until {@code out} has not grown for {@code quietMillis}. */
  static void awaitQuiet(Path out, long quietMillis) throws InterruptedException {
    long size = -1;
    long since = System.nanoTime();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      long now = out.toFile().length();
      if (now != size) {
        size = now;
        since = System.nanoTime();
      } else if (System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(quietMillis)) {
        return;
      }
      Thread.sleep(25);
    }
  }

  /** Stops a process from {@link #start} and returns what it printed, normalized. */
  static String stop(Process p, Path out) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
    }
    try {
      return normalize(dropClientLogs(Files.readString(out)));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /** Blanks the fields that differ between any two clusters: cluster/member IDs and the Raft term. */
  static String normalize(String s) {
    return s.replaceAll("\"cluster_id\":\\d+", "\"cluster_id\":ID")
        .replaceAll("\"member_id\":\\d+", "\"member_id\":ID")
        .replaceAll("\"raft_term\":\\d+", "\"raft_term\":T")
        .replaceAll("\"ClusterID\" : \\d+", "\"ClusterID\" : ID")
        .replaceAll("\"MemberID\" : \\d+", "\"MemberID\" : ID")
        .replaceAll("\"RaftTerm\" : \\d+", "\"RaftTerm\" : T");
  }

  /** etcdctl's client library logs retries as JSON lines with timestamps and random client ids. */
  private static String dropClientLogs(String s) {
    StringBuilder b = new StringBuilder();
    for (String line : s.split("\n", -1)) {
      if (!line.startsWith("{\"level\":")) {
        b.append(line).append('\n');
      }
    }
    return b.toString().stripTrailing() + "\n";
  }
}
