package io.ketch.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's etcdctl (v3 API) against an endpoint and renders what it printed, comparably. */
final class Etcdctl {
  static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");

  private Etcdctl() {}

  /** Runs {@code etcdctl args} with {@code stdin}; returns exit code, stdout and stderr, normalized. */
  static String run(Endpoint e, String stdin, String... args) {
    if (!Files.isExecutable(ETCDCTL)) {
      throw new IllegalStateException("etcdctl is missing: run bin/test (it installs Debian's etcd-client)");
    }
    List<String> cmd = new ArrayList<>(List.of(ETCDCTL.toString(), "--endpoints=" + e.address(),
        "--dial-timeout=3s", "--command-timeout=10s"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("ETCDCTL_API", "3");
    try {
      Process p = pb.start();
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("etcdctl " + String.join(" ", args) + " did not finish");
      }
      return "exit=" + p.exitValue() + "\n--stdout--\n" + normalize(new String(out, StandardCharsets.UTF_8))
          + "--stderr--\n" + normalize(dropClientLogs(new String(err, StandardCharsets.UTF_8)));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(ex);
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
