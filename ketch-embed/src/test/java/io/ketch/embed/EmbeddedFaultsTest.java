package io.ketch.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.client.Client;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Each fault of the embedded cluster, by what a client observes: a partitioned minority loses its
 * leader and cannot write while the majority goes on, and after heal every member has the same data
 * (HashKV); a paused member leaves its clients waiting while the others elect a leader, and answers
 * them after resume; a slow disk makes each write of a single member wait for it.
 */
class EmbeddedFaultsTest {
  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static Client clientOf(EmbeddedMember m) {
    return Client.builder().endpoints(m.clientUrl().toString()).build();
  }

  @Test
  void aPartitionedMinorityLosesItsLeaderAndHealingConverges() throws Exception {
    try (EmbeddedKetch k = EmbeddedKetch.builder().members(3).start()) {
      int leader = k.leader().index();
      int cut = (leader + 1) % 3;
      try (Client minority = clientOf(k.member(cut)); Client majority = clientOf(k.member(leader))) {
        minority.kv().put(b("before"), b("1")).get(10, TimeUnit.SECONDS);
        k.partition(Set.of(cut), Set.of(leader, (leader + 2) % 3));
        Exception refused = assertThrows(Exception.class,
            () -> minority.kv().put(b("during"), b("minority")).get(20, TimeUnit.SECONDS));
        assertFalse(refused instanceof TimeoutException, "a minority answers, with an error: " + refused);
        assertTrue(String.valueOf(refused.getCause()).contains("leader")
            || String.valueOf(refused.getCause()).contains("timed out"), String.valueOf(refused));
        for (int i = 0; i < 20; i++) {
          majority.kv().put(b("during" + i), b("majority")).get(10, TimeUnit.SECONDS);
        }
        k.heal();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Set<Long> hashes;
        do {
          Thread.sleep(100);
          long rev = majority.kv().get(b("during19")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
          hashes = new HashSet<>();
          for (int i = 0; i < 3; i++) {
            try (Client c = clientOf(k.member(i))) {
              hashes.add((long) c.maintenance().hashKV(k.member(i).clientUrl().toString(), rev).get(10, TimeUnit.SECONDS).getHash());
            } catch (Exception e) {
              hashes.add(-1L - i); // not there yet
            }
          }
        } while (hashes.size() != 1 && System.nanoTime() < deadline);
        assertEquals(1, hashes.size(), "every member has the same data after heal");
        assertEquals(0,
            minority.kv().get(b("during")).get(10, TimeUnit.SECONDS).getKvsCount(), "the minority wrote nothing");
      }
    }
  }

  @Test
  void aPausedMemberLeavesItsClientsWaitingUntilResumed() throws Exception {
    try (EmbeddedKetch k = EmbeddedKetch.builder().members(3).start()) {
      EmbeddedMember paused = k.leader();
      try (Client c = clientOf(paused)) {
        c.kv().put(b("k"), b("0")).get(10, TimeUnit.SECONDS);
        paused.pause();
        CompletableFuture<?> waiting = c.kv().get(b("k"));
        Thread.sleep(1000);
        assertFalse(waiting.isDone(), "a paused member answers nothing");
        EmbeddedMember next = k.leader();
        assertNotEquals(paused, next, "the others elected a leader");
        try (Client others = clientOf(next)) {
          others.kv().put(b("k"), b("1")).get(10, TimeUnit.SECONDS);
        }
        paused.resume();
        waiting.get(20, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String seen;
        do {
          seen = c.kv().get(b("k")).get(10, TimeUnit.SECONDS).getKvs(0).getValue().toStringUtf8();
        } while (!seen.equals("1") && System.nanoTime() < deadline);
        assertEquals("1", seen, "the resumed member caught up");
      }
    }
  }

  @Test
  void aSlowDiskSlowsEveryWriteOfASingleMember() throws Exception {
    try (EmbeddedKetch k = EmbeddedKetch.builder().start(); Client c = clientOf(k.member(0))) {
      c.kv().put(b("warm"), b("up")).get(10, TimeUnit.SECONDS);
      k.member(0).slowDisk(Duration.ofMillis(300));
      long start = System.nanoTime();
      c.kv().put(b("slow"), b("1")).get(10, TimeUnit.SECONDS);
      long slow = (System.nanoTime() - start) / 1_000_000;
      assertTrue(slow >= 300, "a put waited for the slow fsync: " + slow + " ms");
      k.member(0).slowDisk(Duration.ZERO);
      start = System.nanoTime();
      for (int i = 0; i < 5; i++) {
        c.kv().put(b("fast"), b("1")).get(10, TimeUnit.SECONDS);
      }
      long fast = (System.nanoTime() - start) / 1_000_000 / 5;
      assertTrue(fast < 300, "a normal disk again: " + fast + " ms a put");
    }
  }
}
