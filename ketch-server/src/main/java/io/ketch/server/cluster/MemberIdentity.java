package io.ketch.server.cluster;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * Who this data directory belongs to: the cluster, the member, and how the cluster was bootstrapped
 * (etcd keeps the same in its WAL metadata). Written once, when the member first starts, to
 * {@code member/identity}; a restart reads it and ignores the bootstrap flags, as etcd does.
 *
 * <p>It is local to the member and deliberately not in the backend, which a snapshot from another
 * member may replace.
 *
 * @param clusterId the cluster's ID (etcd's derivation for a new cluster; learned when joining)
 * @param memberId this member's ID
 * @param name the {@code --name} the member was first started with
 * @param clusterToken the {@code --initial-cluster-token} of a new cluster; empty for a joiner
 * @param initialCluster the {@code --initial-cluster} a new cluster was started with, from which its
 *     first leader proposes the member table; empty for a joiner
 */
public record MemberIdentity(long clusterId, long memberId, String name, String clusterToken, String initialCluster) {
  static final String FILE = "identity";

  /** The identity file of a data directory. */
  public static Path file(Path dataDir) {
    return dataDir.resolve("member").resolve(FILE);
  }

  /** The identity stored in {@code dataDir}, or null when the member was never started there. */
  public static MemberIdentity load(Path dataDir) {
    Path f = file(dataDir);
    if (!Files.exists(f)) {
      return null;
    }
    Properties p = new Properties();
    try (Reader r = new StringReader(Files.readString(f, StandardCharsets.UTF_8))) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
    try {
      return new MemberIdentity(Long.parseUnsignedLong(p.getProperty("cluster_id"), 16),
          Long.parseUnsignedLong(p.getProperty("member_id"), 16), p.getProperty("name", ""),
          p.getProperty("cluster_token", ""), p.getProperty("initial_cluster", ""));
    } catch (RuntimeException e) {
      throw new IllegalStateException("corrupt member identity in " + f + ": " + e.getMessage(), e);
    }
  }

  /** Writes the identity durably (temporary file, fsync, atomic rename). */
  public void store(Path dataDir) {
    Path f = file(dataDir);
    String text = "# This member's identity; written at its first start. Do not edit.\n"
        + "cluster_id=" + MemberIds.hex(clusterId) + "\n"
        + "member_id=" + MemberIds.hex(memberId) + "\n"
        + "name=" + escape(name) + "\n"
        + "cluster_token=" + escape(clusterToken) + "\n"
        + "initial_cluster=" + escape(initialCluster) + "\n";
    try {
      Files.createDirectories(f.getParent());
      Path tmp = f.resolveSibling(FILE + ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        c.force(true);
      }
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel d = FileChannel.open(f.getParent(), StandardOpenOption.READ)) {
        d.force(true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + f, e);
    }
  }

  /** Escapes what java.util.Properties would read otherwise ('\', ':', '=', '#', '!'). */
  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '\\' || c == ':' || c == '=' || c == '#' || c == '!') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }
}
