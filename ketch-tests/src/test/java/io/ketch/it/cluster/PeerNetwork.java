package io.ketch.it.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The network between the members of a test cluster, all on one machine: every member reaches every
 * other through a {@link LinkProxy} of its own, one per direction, so a test can cut any link.
 *
 * <p>How: member {@code i} advertises its peer URL as {@code http://m<i>:<port>}. Each member's JVM
 * reads its own hosts file ({@code -Djdk.net.hosts.file}), in which {@code m<j>} is
 * {@code 127.0.i.j} for every other member {@code j}; the proxy of link i→j listens there (Linux
 * routes all of 127/8 to the loopback device) and forwards to member j's real peer port on
 * 127.0.0.1. Slots are made for {@code slots} members up front, so members added later are wired
 * already.
 */
final class PeerNetwork implements AutoCloseable {
  private final int slots;
  private final int[] peerPorts;
  private final Map<Long, LinkProxy> links = new HashMap<>();
  private final Path dir;

  PeerNetwork(Path dir, int slots, int[] peerPorts) throws IOException {
    this.dir = dir;
    this.slots = slots;
    this.peerPorts = peerPorts.clone();
    for (int i = 1; i <= slots; i++) {
      for (int j = 1; j <= slots; j++) {
        if (i != j) {
          links.put(key(i, j), new LinkProxy(LinkProxy.loopback(i, j, peerPorts[j - 1]),
              new InetSocketAddress("127.0.0.1", peerPorts[j - 1])));
        }
      }
      writeHostsFile(i);
    }
  }

  private static long key(int from, int to) {
    return ((long) from << 32) | to;
  }

  /** The host name member {@code i} advertises its peer URL with. */
  static String host(int i) {
    return "m" + i;
  }

  Path hostsFile(int i) {
    return dir.resolve("hosts-m" + i);
  }

  private void writeHostsFile(int i) {
    StringBuilder b = new StringBuilder("127.0.0.1 localhost\n127.0.0.1 " + host(i) + "\n");
    for (int j = 1; j <= slots; j++) {
      if (j != i) {
        b.append("127.0.").append(i).append('.').append(j).append(' ').append(host(j)).append('\n');
      }
    }
    try {
      Files.writeString(hostsFile(i), b.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The link from member {@code from} to member {@code to}. */
  LinkProxy link(int from, int to) {
    return links.get(key(from, to));
  }

  /**
   * Splits the members into groups that cannot reach each other (every link between two groups
   * drops or refuses, both directions); links inside a group and to members in no group stay as
   * they are. {@code drop} picks silent loss over refused connections.
   */
  void partition(boolean drop, List<Set<Integer>> groups) {
    for (int a = 0; a < groups.size(); a++) {
      for (int b = 0; b < groups.size(); b++) {
        if (a == b) {
          continue;
        }
        for (int i : groups.get(a)) {
          for (int j : groups.get(b)) {
            cut(i, j, drop);
          }
        }
      }
    }
  }

  /** Cuts the one-way link {@code from} → {@code to}. */
  void cut(int from, int to, boolean drop) {
    LinkProxy l = link(from, to);
    if (drop) {
      l.drop();
    } else {
      l.refuse();
    }
  }

  /** Every link works again. */
  void heal() {
    for (LinkProxy l : links.values()) {
      l.heal();
    }
  }

  /** Links that are cut now, as "i->j" (for failure messages). */
  List<String> cutLinks() {
    List<String> out = new ArrayList<>();
    links.forEach((k, l) -> {
      if (l.state() != LinkProxy.State.OPEN) {
        out.add((k >> 32) + "->" + (k & 0xffffffffL) + " " + l.state());
      }
    });
    return out;
  }

  int peerPort(int i) {
    return peerPorts[i - 1];
  }

  @Override
  public void close() {
    for (LinkProxy l : links.values()) {
      l.close();
    }
  }
}
