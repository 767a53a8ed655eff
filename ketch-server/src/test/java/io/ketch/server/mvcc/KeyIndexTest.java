package io.ketch.server.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Generations and compaction of one key, the cases of etcd's key index. */
class KeyIndexTest {
  private static Revision r(long main) {
    return new Revision(main, 0);
  }

  /** put 2, put 4, delete 6, put 8, put 10, delete 12, put 14, put 16. */
  private static KeyIndex sample() {
    KeyIndex ki = new KeyIndex("foo".getBytes());
    ki.put(r(2));
    ki.put(r(4));
    assertTrue(ki.tombstone(r(6)));
    ki.put(r(8));
    ki.put(r(10));
    assertTrue(ki.tombstone(r(12)));
    ki.put(r(14));
    ki.put(r(16));
    return ki;
  }

  @Test
  void getFindsTheRevisionLiveAtEachPoint() {
    KeyIndex ki = sample();
    assertNull(ki.get(1));
    assertEquals(new KeyIndex.Found(r(2), r(2), 1), ki.get(2));
    assertEquals(new KeyIndex.Found(r(4), r(2), 2), ki.get(5));
    assertNull(ki.get(6), "deleted at 6");
    assertNull(ki.get(7));
    assertEquals(new KeyIndex.Found(r(8), r(8), 1), ki.get(8));
    assertEquals(new KeyIndex.Found(r(10), r(8), 2), ki.get(11));
    assertNull(ki.get(13));
    assertEquals(new KeyIndex.Found(r(16), r(14), 2), ki.get(100));
  }

  @Test
  void tombstoneOfADeletedKeyIsRefused() {
    KeyIndex ki = new KeyIndex("k".getBytes());
    ki.put(r(2));
    assertTrue(ki.tombstone(r(3)));
    assertFalse(ki.tombstone(r(4)));
  }

  @Test
  void putMustMoveForward() {
    KeyIndex ki = new KeyIndex("k".getBytes());
    ki.put(r(5));
    assertThrows(IllegalStateException.class, () -> ki.put(r(5)));
  }

  @Test
  void compactionKeepsTheLatestRevisionAtOrBelowAndDropsDeadGenerations() {
    KeyIndex ki = sample();
    Set<Revision> keep = new HashSet<>();
    ki.compact(4, keep);
    assertEquals(Set.of(r(4)), keep);
    assertEquals(List.of(r(4), r(6)), ki.generations().get(0).revs);

    keep.clear();
    ki.compact(6, keep);
    assertEquals(Set.of(), keep, "a generation left with only its tombstone goes");
    assertEquals(List.of(r(8), r(10), r(12)), ki.generations().get(0).revs);

    keep.clear();
    ki.compact(15, keep);
    assertEquals(Set.of(r(14)), keep);
    assertEquals(1, ki.generations().size(), "only the live generation is left");
    assertEquals(new KeyIndex.Found(r(16), r(14), 2), ki.get(16));
    assertNull(ki.get(13));
  }

  @Test
  void aKeyDeletedBeforeTheCompactionLeavesTheIndex() {
    KeyIndex ki = new KeyIndex("k".getBytes());
    ki.put(r(2));
    ki.tombstone(r(3));
    Set<Revision> keep = new HashSet<>();
    ki.compact(3, keep);
    assertTrue(ki.isEmpty());
    assertTrue(keep.isEmpty());
  }

  @Test
  void restoreKeepsVersionCounting() {
    KeyIndex ki = new KeyIndex("k".getBytes());
    ki.restore(r(2), r(7), 4, 0);
    ki.put(r(9));
    assertEquals(new KeyIndex.Found(r(9), r(2), 5), ki.get(9));
    assertEquals(new KeyIndex.Found(r(7), r(2), 4), ki.get(8));
  }

  /** keep at each revision of {@link #sample()}: the latest revision at or below it, none once deleted. */
  @ParameterizedTest(name = "keep({0}) = [{1}]")
  @CsvSource({
      "1, ''", "2, 2", "3, 2", "5, 4", "6, ''", "7, ''", "8, 8", "11, 10", "12, ''", "13, ''", "14, 14",
      "15, 14", "16, 16", "100, 16"})
  void keepIsWhatACompactionWouldKeepWithoutCompacting(long atRev, String expected) {
    KeyIndex ki = sample();
    String before = ki.generations().stream().map(g -> g.revs.toString()).collect(Collectors.joining());
    Set<Revision> keep = new HashSet<>();
    ki.keep(atRev, keep);
    Set<Revision> want = expected.isEmpty() ? Set.of()
        : Stream.of(expected.split(" ")).map(m -> r(Long.parseLong(m))).collect(Collectors.toSet());
    assertEquals(want, keep);
    assertEquals(before, ki.generations().stream().map(g -> g.revs.toString()).collect(Collectors.joining()),
        "keep changed the index");

    Set<Revision> compacted = new HashSet<>();
    sample().compact(atRev, compacted);
    assertEquals(compacted, keep, "keep and compact disagree");
  }

  @Test
  void keepOfAKeyWithoutRevisionsIsEmpty() {
    Set<Revision> keep = new HashSet<>();
    new KeyIndex("just-created".getBytes()).keep(5, keep);
    KeyIndex deleted = new KeyIndex("k".getBytes());
    deleted.put(r(2));
    deleted.tombstone(r(3));
    deleted.compact(3, new HashSet<>());
    deleted.keep(5, keep);
    assertTrue(keep.isEmpty());
  }
}
