package io.ketch.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.server.config.Flags;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.peer.PeerClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a member decides to start: etcd's bootstrap checks and IDs for a new cluster, and a restart
 * that keeps the stored identity whatever the flags say (peers are not reachable here, as when a
 * new cluster's members start one by one).
 */
class BootstrapTest {
  private static final String CLUSTER = "m1=http://127.0.0.1:32380,m2=http://127.0.0.1:32480,m3=http://127.0.0.1:32580";

  @TempDir
  Path dir;

  private final PeerClient peers = new PeerClient();

  @AfterEach
  void close() {
    peers.close();
  }

  private ServerConfig cfg(String... args) throws Flags.FlagException {
    String[] base = {"--data-dir", dir.toString()};
    String[] all = new String[base.length + args.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(args, 0, all, base.length, args.length);
    return ((Flags.Serve) Flags.parse(all, Map.of())).config();
  }

  @Test
  void aNewClusterGetsTheIdsEtcdDerivesFromTheSameFlags() throws Exception {
    // the IDs a 3-member etcd 3.4.23 reported for these flags
    Bootstrap.Plan p = Bootstrap.plan(cfg("--name", "m2", "--initial-cluster", CLUSTER, "--initial-cluster-token", "tok",
        "--initial-advertise-peer-urls", "http://127.0.0.1:32480"), peers, id -> false);
    assertTrue(p.firstStart());
    assertEquals("41f5eef973fce2df", MemberIds.hex(p.identity().memberId()));
    assertEquals("7124aea9c32ce409", MemberIds.hex(p.identity().clusterId()));
    assertEquals(3, p.voters().size());
    assertEquals(CLUSTER, p.identity().initialCluster());
  }

  @Test
  void aNameMissingFromTheInitialClusterIsRefusedAsEtcdRefusesIt() {
    Bootstrap.BootstrapException e = assertThrows(Bootstrap.BootstrapException.class, () -> Bootstrap.plan(
        cfg("--name", "m9", "--initial-cluster", CLUSTER), peers, id -> false));
    assertEquals("couldn't find local name \"m9\" in the initial cluster configuration", e.getMessage());
  }

  @Test
  void advertisedPeerUrlsMustBeThoseOfTheInitialCluster() {
    Bootstrap.BootstrapException e = assertThrows(Bootstrap.BootstrapException.class, () -> Bootstrap.plan(
        cfg("--name", "m1", "--initial-cluster", CLUSTER, "--initial-advertise-peer-urls", "http://127.0.0.1:9"),
        peers, id -> false));
    assertTrue(e.getMessage().startsWith("--initial-cluster has m1=http://127.0.0.1:32380 but missing from"),
        e.getMessage());
  }

  @Test
  void aRestartKeepsTheStoredIdentityAndIgnoresTheBootstrapFlags() throws Exception {
    new MemberIdentity(0x7124aea9c32ce409L, 0xca7a34e16cff9c1bL, "m1", "tok", CLUSTER).store(dir);
    Bootstrap.Plan p = Bootstrap.plan(cfg("--name", "renamed"), peers, id -> true);
    assertFalse(p.firstStart());
    assertEquals(0xca7a34e16cff9c1bL, p.identity().memberId());
    assertEquals(0x7124aea9c32ce409L, p.identity().clusterId());
  }

  @Test
  void aDataDirOfAnotherClusterIsRefusedWhenTheTokenSaysSo() throws Exception {
    new MemberIdentity(0x7124aea9c32ce409L, 0xca7a34e16cff9c1bL, "m1", "tok", CLUSTER).store(dir);
    Bootstrap.BootstrapException e = assertThrows(Bootstrap.BootstrapException.class, () -> Bootstrap.plan(
        cfg("--name", "m1", "--initial-cluster-token", "other"), peers, id -> true));
    assertTrue(e.getMessage().contains("belongs to cluster 7124aea9c32ce409"), e.getMessage());
  }

  @Test
  void joiningNeedsAPeerThatAnswers() {
    Bootstrap.BootstrapException e = assertThrows(Bootstrap.BootstrapException.class, () -> Bootstrap.plan(
        cfg("--name", "m1", "--initial-cluster", CLUSTER, "--initial-advertise-peer-urls", "http://127.0.0.1:32380",
            "--initial-cluster-state", "existing"), peers, id -> false));
    assertTrue(e.getMessage().startsWith("cannot fetch cluster info from peer urls"), e.getMessage());
  }
}
