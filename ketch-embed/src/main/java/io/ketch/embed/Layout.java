package io.ketch.embed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * What an embedded cluster's data directory was started with — members, cluster token, client and
 * peer ports — kept in {@value #FILE} beside the members' data, so a cluster started again on the
 * same directory (a new {@link EmbeddedKetch} on a kept {@code dataDir}) finds its members where its
 * member table says they are. A directory with Ketch data but no such file, or one made for another
 * number of members, is refused.
 */
record Layout(String token, int[] clientPorts, int[] peerPorts) {
  static final String FILE = "ketch-embed.properties";

  /** The layout of {@code root}: the one kept there, or a new one (written there) with free ports. */
  static Layout of(Path root, int members, int clientPort) throws EmbeddedKetchException {
    Path file = root.resolve(FILE);
    if (Files.isRegularFile(file)) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      } catch (IOException e) {
        throw new EmbeddedKetchException("cannot read " + file + ": " + e.getMessage(), e);
      }
      int kept = Integer.parseInt(p.getProperty("members", "0"));
      if (kept != members) {
        throw new EmbeddedKetchException("data dir " + root + " holds a " + kept + "-member embedded cluster, not "
            + members + " (use another directory, or members(" + kept + "))");
      }
      Layout l = new Layout(p.getProperty("token"), ports(p.getProperty("client-ports")),
          ports(p.getProperty("peer-ports")));
      if (clientPort != 0 && l.clientPorts()[0] != clientPort) {
        throw new EmbeddedKetchException("data dir " + root + " holds a member whose client port is "
            + l.clientPorts()[0] + ", not " + clientPort);
      }
      return l;
    }
    if (Files.isDirectory(root.resolve("member")) || Files.isDirectory(root.resolve("m0").resolve("member"))) {
      throw new EmbeddedKetchException("data dir " + root + " holds Ketch data of a cluster EmbeddedKetch did not"
          + " start (no " + FILE + "); refusing to start another cluster on it");
    }
    int[] client = new int[members];
    int[] peer = new int[members];
    for (int i = 0; i < members; i++) {
      client[i] = members == 1 && clientPort != 0 ? clientPort : EmbeddedKetch.freePort();
      peer[i] = EmbeddedKetch.freePort();
    }
    Layout l = new Layout("ketch-embed-" + UUID.randomUUID(), client, peer);
    Properties p = new Properties();
    p.setProperty("members", Integer.toString(members));
    p.setProperty("token", l.token());
    p.setProperty("client-ports", join(client));
    p.setProperty("peer-ports", join(peer));
    try {
      Files.createDirectories(root);
      try (OutputStream out = Files.newOutputStream(file)) {
        p.store(out, "written by EmbeddedKetch: what this cluster's members were started with");
      }
    } catch (IOException e) {
      throw new EmbeddedKetchException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return l;
  }

  private static int[] ports(String list) {
    return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  private static String join(int[] ports) {
    return Arrays.stream(ports).mapToObj(Integer::toString).collect(Collectors.joining(","));
  }
}
