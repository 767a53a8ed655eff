package io.ketch.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlagsTest {
  private static ServerConfig serve(Map<String, String> env, String... args) throws Flags.FlagException {
    return ((Flags.Serve) Flags.parse(args, env)).config();
  }

  @Test
  void defaultsAreEtcds() throws Exception {
    ServerConfig c = serve(Map.of());
    assertEquals("default", c.name());
    assertEquals(Path.of("default.ketch"), c.dataDir());
    assertEquals(List.of(URI.create("http://localhost:2379")), c.listenClientUrls());
    assertEquals(List.of(URI.create("http://localhost:2380")), c.listenPeerUrls());
    assertEquals(Map.of("default", List.of(URI.create("http://localhost:2380"))), c.initialCluster());
    assertEquals(1572864, c.maxRequestBytes());
    assertEquals(128, c.maxTxnOps());
    assertEquals(2L << 30, c.effectiveQuotaBytes());
    assertEquals("etcd-cluster", c.initialClusterToken());
  }

  @Test
  void flagFormsAndEnvironment() throws Exception {
    ServerConfig c = serve(Map.of("KETCH_MAX_TXN_OPS", "7", "KETCH_NAME", "fromenv"),
        "--name=n1", "-max-request-bytes", "100", "--initial-cluster", "n1=http://127.0.0.1:3380",
        "--listen-client-urls", "http://127.0.0.1:1,http://127.0.0.1:2");
    assertEquals("n1", c.name(), "the command line wins over the environment");
    assertEquals(Path.of("n1.ketch"), c.dataDir());
    assertEquals(7, c.maxTxnOps());
    assertEquals(100, c.maxRequestBytes());
    assertEquals(2, c.listenClientUrls().size());
  }

  @Test
  void aBareBooleanFlagIsTrueAsInGo() throws Exception {
    ServerConfig c = serve(Map.of(), "--force-new-cluster", "--experimental-initial-corrupt-check=false",
        "--strict-reconfig-check=false", "--snapshot-count", "5", "--experimental-corrupt-check-time", "2s");
    assertTrue(c.forceNewCluster());
    assertFalse(c.initialCorruptCheck());
    assertFalse(c.strictReconfigCheck());
    assertEquals(5, c.snapshotCount());
    assertEquals(5000, c.snapshotCatchUpEntries());
    assertEquals(java.time.Duration.ofSeconds(2), c.corruptCheckTime());
    assertFalse(serve(Map.of()).forceNewCluster());
    assertEquals(10_000, serve(Map.of()).snapshotCount(), "etcd 3.6's default");
  }

  @Test
  void badInputIsRefusedWithAMessage() {
    Flags.FlagException e = assertThrows(Flags.FlagException.class, () -> Flags.parse(new String[] {"--nope=1"}, Map.of()));
    assertTrue(e.getMessage().contains("flag provided but not defined: -nope"), e.getMessage());
    assertThrows(Flags.FlagException.class, () -> Flags.parse(new String[] {"--max-txn-ops=abc"}, Map.of()));
    assertThrows(Flags.FlagException.class, () -> Flags.parse(new String[] {"--listen-client-urls=localhost"}, Map.of()));
    assertThrows(Flags.FlagException.class, () -> Flags.parse(new String[] {"--initial-cluster-state=maybe"}, Map.of()));
    assertThrows(Flags.FlagException.class, () -> Flags.parse(new String[] {"--name"}, Map.of()));
  }

  @Test
  void helpAndVersion() throws Exception {
    assertInstanceOf(Flags.Help.class, Flags.parse(new String[] {"--help"}, Map.of()));
    assertInstanceOf(Flags.Version.class, Flags.parse(new String[] {"--version"}, Map.of()));
    for (Flags.Flag f : Flags.FLAGS) {
      assertTrue(Flags.usage().contains("--" + f.name()));
    }
  }

  @Test
  void watchProgressIntervalTakesGoDurations() throws Exception {
    assertEquals(Duration.ofMinutes(10), serve().watchProgressNotifyInterval());
    assertEquals(Duration.ofMillis(250),
        serve("--experimental-watch-progress-notify-interval=250ms").watchProgressNotifyInterval());
    assertEquals(Duration.ofSeconds(90),
        serve("--experimental-watch-progress-notify-interval=1m30s").watchProgressNotifyInterval());
    assertEquals(Duration.ofMillis(1500),
        serve("--experimental-watch-progress-notify-interval=1.5s").watchProgressNotifyInterval());
    for (String bad : new String[] {"10", "5x", "", "-1s", "0"}) {
      assertThrows(Flags.FlagException.class,
          () -> Flags.parse(new String[] {"--experimental-watch-progress-notify-interval=" + bad}, Map.of()), bad);
    }
  }

  private static ServerConfig serve(String... args) throws Flags.FlagException {
    return ((Flags.Serve) Flags.parse(args, Map.of())).config();
  }
}
