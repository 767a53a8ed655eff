package io.ketch.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.client.Client;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The embedded member and cluster: start and serve etcd clients, two clusters at once in one JVM
 * keep their data apart, a killed leader is replaced and comes back with every acknowledged write,
 * leadership moves on request, close leaves no thread and no temporary directory behind, and bad use
 * gets a clear error.
 */
class EmbeddedKetchTest {
  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static Client client(EmbeddedKetch k) {
    return Client.builder().endpoints(k.endpoints().toArray(String[]::new)).build();
  }

  private static String get(Client c, String key) {
    var r = c.kv().get(b(key)).join();
    return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
  }

  @Test
  void twoClustersInOneJvmKeepTheirDataApart() throws Exception {
    try (EmbeddedKetch one = EmbeddedKetch.builder().start();
         EmbeddedKetch three = EmbeddedKetch.builder().members(3).start();
         Client c1 = client(one);
         Client c3 = client(three)) {
      c1.kv().put(b("k"), b("single")).join();
      c3.kv().put(b("k"), b("cluster")).join();
      assertEquals("single", get(c1, "k"));
      assertEquals("cluster", get(c3, "k"));
      assertEquals(3, c3.cluster().list(false).join().getMembersCount());
      assertEquals(1, c1.cluster().list(false).join().getMembersCount());
      assertNotEquals(c1.cluster().list(false).join().getHeader().getClusterId(),
          c3.cluster().list(false).join().getHeader().getClusterId());
    }
  }

  @Test
  void aKilledLeaderIsReplacedAndComesBackWithEveryWrite() throws Exception {
    try (EmbeddedKetch k = EmbeddedKetch.builder().members(3)
        .config("--election-timeout=500", "--heartbeat-interval=50").start();
         Client c = client(k)) {
      for (int i = 0; i < 50; i++) {
        c.kv().put(b("key" + i), b("v" + i)).join();
      }
      EmbeddedMember old = k.leader();
      old.kill();
      assertFalse(old.isRunning());
      EmbeddedMember next = k.leader();
      assertNotEquals(old, next);
      c.kv().put(b("after"), b("kill")).join();
      old.restart();
      try (Client only = Client.builder().endpoints(old.clientUrl().toString()).build()) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (get(only, "after") == null && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertEquals("kill", get(only, "after"), "the restarted member caught up");
        for (int i = 0; i < 50; i++) {
          assertEquals("v" + i, get(only, "key" + i));
        }
      }
      k.transferLeadership(old.index());
      assertTrue(old.isLeader());
    }
  }

  @Test
  void aSingleMemberRestartsFromItsDirectory() throws Exception {
    Path dir = Files.createTempDirectory("ketch-embed-test-");
    try (EmbeddedKetch k = EmbeddedKetch.builder().dataDir(dir).start(); Client c = client(k)) {
      c.kv().put(b("durable"), b("yes")).join();
      k.member(0).kill();
      k.member(0).restart();
      assertEquals("yes", get(c, "durable"));
    } finally {
      try (var all = Files.walk(dir)) {
        all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void aKeptDataDirStartsTheSameClusterAgainAndRefusesAnother() throws Exception {
    Path dir = Files.createTempDirectory("ketch-embed-kept-");
    try {
      try (EmbeddedKetch k = EmbeddedKetch.builder().members(3).dataDir(dir).start(); Client c = client(k)) {
        c.kv().put(b("kept"), b("across runs")).join();
      }
      try (EmbeddedKetch again = EmbeddedKetch.builder().members(3).dataDir(dir).start(); Client c = client(again)) {
        assertEquals("across runs", get(c, "kept"), "the same cluster, with its data");
      }
      EmbeddedKetchException other = assertThrows(EmbeddedKetchException.class,
          () -> EmbeddedKetch.builder().members(1).dataDir(dir).start());
      assertTrue(other.getMessage().contains("3-member"), other.getMessage());
      Path foreign = Files.createTempDirectory("ketch-embed-foreign-");
      Files.createDirectories(foreign.resolve("member"));
      EmbeddedKetchException notOurs = assertThrows(EmbeddedKetchException.class,
          () -> EmbeddedKetch.builder().dataDir(foreign).start());
      assertTrue(notOurs.getMessage().contains("did not start"), notOurs.getMessage());
      Files.delete(foreign.resolve("member"));
      Files.delete(foreign);
    } finally {
      try (var all = Files.walk(dir)) {
        all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void closeLeavesNoThreadsAndNoDirectory() throws Exception {
    // warm up what a JVM starts once (gRPC's shared pools, the JIT's own threads)
    try (EmbeddedKetch warm = EmbeddedKetch.builder().start()) {
      warm.leader();
    }
    long single = System.nanoTime();
    try (EmbeddedKetch one = EmbeddedKetch.builder().start(); Client c = client(one)) {
      c.kv().put(b("x"), b("y")).join();
      System.out.printf("a single embedded member (warm JVM) served its first put after %d ms%n",
          (System.nanoTime() - single) / 1_000_000);
    }
    Set<String> before = liveThreads();
    Path dir;
    long started = System.nanoTime();
    try (EmbeddedKetch k = EmbeddedKetch.builder().members(3).start(); Client c = client(k)) {
      c.kv().put(b("x"), b("y")).join();
      System.out.printf("a 3-member embedded cluster served its first put after %d ms%n",
          (System.nanoTime() - started) / 1_000_000);
      dir = k.member(0).dataDir().getParent();
      assertTrue(Files.isDirectory(dir));
    }
    assertFalse(Files.exists(dir), "the temporary data directory is deleted");
    long deadline = System.nanoTime() + 10_000_000_000L;
    Set<String> leaked;
    do {
      Thread.sleep(100);
      leaked = liveThreads();
      leaked.removeAll(before);
      leaked.removeIf(EmbeddedKetchTest::jvmWide);
    } while (!leaked.isEmpty() && System.nanoTime() < deadline);
    assertEquals(Set.of(), leaked, "threads left running after close");
  }

  @Test
  void badUseGetsClearErrors() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      EmbeddedKetchException e = assertThrows(EmbeddedKetchException.class,
          () -> EmbeddedKetch.builder().clientPort(taken.getLocalPort()).start());
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> EmbeddedKetch.builder().members(2));
    IllegalArgumentException managed = assertThrows(IllegalArgumentException.class,
        () -> EmbeddedKetch.builder().config("--name=x"));
    assertTrue(managed.getMessage().contains("--name"), managed.getMessage());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> EmbeddedKetch.builder().config("--no-such-flag=1").start());
    assertTrue(bad.getMessage().contains("no-such-flag"), bad.getMessage());
    EmbeddedKetch k = EmbeddedKetch.builder().start();
    EmbeddedMember m = k.member(0);
    k.close();
    IllegalStateException closed = assertThrows(IllegalStateException.class, m::kill);
    assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
  }

  /**
   * Pools every user of the JVM shares, started on first use and bounded: the common ForkJoin pool,
   * and Ratis's TimeoutTimer (at most 8 daemon timers, {@code timer0}..{@code timer7}, per JVM).
   */
  private static boolean jvmWide(String thread) {
    return thread.startsWith("ForkJoinPool.commonPool-worker-") || thread.matches("timer[0-7]#\\d+");
  }

  /** Names and IDs of the live threads. */
  private static Set<String> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(t -> t.getName() + "#" + t.getId()).collect(Collectors.toSet());
  }
}
