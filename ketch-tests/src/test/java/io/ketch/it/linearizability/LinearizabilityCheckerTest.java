package io.ketch.it.linearizability;

import static io.ketch.it.linearizability.Verdict.Outcome.LINEARIZABLE;
import static io.ketch.it.linearizability.Verdict.Outcome.NOT_LINEARIZABLE;
import static io.ketch.it.linearizability.Verdict.Outcome.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LinearizabilityCheckerTest {
  record Case(String name, Verdict.Outcome expected, String... lines) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Case yes(String name, String... lines) {
    return new Case(name, LINEARIZABLE, lines);
  }

  static Case no(String name, String... lines) {
    return new Case(name, NOT_LINEARIZABLE, lines);
  }

  static Stream<Case> sequential() {
    return Stream.of(
        yes("empty history"),
        yes("put, get, cas, delete in turn",
            "c1 0 1 put a", "c1 2 3 get -> a", "c1 4 5 cas a b -> ok", "c1 6 7 get -> b",
            "c1 8 9 delete", "c1 10 11 get -> absent"),
        yes("a fresh key reads absent", "c1 0 1 get -> absent"),
        no("a fresh key cannot read a value", "c1 0 1 get -> a"),
        no("a stale read after a completed write (negative control)",
            "c1 0 1 put a", "c1 2 3 put b", "c2 4 5 get -> a"),
        no("a read of a value never written", "c1 0 1 put a", "c2 2 3 get -> z"),
        no("a read cannot see a write invoked after it completed", "c2 0 1 get -> a", "c1 2 3 put a"));
  }

  static Stream<Case> concurrent() {
    return Stream.of(
        yes("reads during overlapping writes see one, then the other",
            "c1 0 10 put a", "c2 0 10 put b", "c3 1 2 get -> a", "c3 3 4 get -> b"),
        yes("... in the other order",
            "c1 0 10 put a", "c2 0 10 put b", "c3 1 2 get -> b", "c3 3 4 get -> a"),
        yes("reads after overlapping writes agree on a",
            "c1 0 10 put a", "c2 0 10 put b", "c3 11 12 get -> a", "c4 13 14 get -> a"),
        yes("reads after overlapping writes agree on b",
            "c1 0 10 put a", "c2 0 10 put b", "c3 11 12 get -> b", "c4 13 14 get -> b"),
        no("reads after overlapping writes disagree",
            "c1 0 10 put a", "c2 0 10 put b", "c3 11 12 get -> a", "c3 13 14 get -> b"),
        no("reads during overlapping writes flip back",
            "c1 0 10 put a", "c2 0 10 put b", "c3 1 2 get -> a", "c3 3 4 get -> b", "c3 5 6 get -> a"),
        yes("a read overlapping the overwrite may be stale",
            "c1 0 1 put a", "c1 2 6 put b", "c2 4 5 get -> a"),
        yes("overlapping reads take either side of a write",
            "c1 0 10 put a", "c2 1 9 get -> a", "c3 1 9 get -> absent"),
        yes("a value written twice may be read after an intervening write",
            "c1 0 1 put a", "c1 2 3 put b", "c2 4 10 put a", "c3 5 6 get -> a"),
        no("... but not before it is written again",
            "c1 0 1 put a", "c1 2 3 put b", "c2 7 10 put a", "c3 5 6 get -> a"),
        no("a value never written, read during writes",
            "c1 0 10 put a", "c2 0 10 get -> z"),
        yes("ties in time count as overlap", "c1 0 5 put a", "c2 5 6 get -> absent"));
  }

  static Stream<Case> cas() {
    return Stream.of(
        yes("cas applies when the register holds expected",
            "c1 0 1 put a", "c1 2 3 cas a b -> ok", "c1 4 5 get -> b"),
        yes("cas fails when it does not", "c1 0 1 put a", "c1 2 3 cas x b -> failed", "c1 4 5 get -> a"),
        no("cas cannot apply when the register holds something else", "c1 0 1 put a", "c1 2 3 cas x b -> ok"),
        no("cas cannot fail when the register holds expected", "c1 0 1 put a", "c1 2 3 cas a b -> failed"),
        no("a failed cas leaves the register unchanged",
            "c1 0 1 put a", "c1 2 3 cas x b -> failed", "c1 4 5 get -> b"),
        yes("create-if-absent applies on a fresh key", "c1 0 1 cas absent a -> ok", "c1 2 3 get -> a"),
        no("create-if-absent cannot fail on a fresh key", "c1 0 1 cas absent a -> failed"),
        yes("create-if-absent fails on an existing key", "c1 0 1 put a", "c1 2 3 cas absent b -> failed"),
        no("create-if-absent cannot apply on an existing key", "c1 0 1 put a", "c1 2 3 cas absent b -> ok"),
        yes("create-if-absent applies after a delete",
            "c1 0 1 put a", "c1 2 3 delete", "c1 4 5 cas absent b -> ok", "c1 6 7 get -> b"),
        no("two overlapping creates cannot both apply",
            "c1 0 10 cas absent a -> ok", "c2 0 10 cas absent b -> ok"),
        yes("of two overlapping creates one applies",
            "c1 0 10 cas absent a -> ok", "c2 0 10 cas absent b -> failed", "c3 11 12 get -> a"),
        no("... and it is the one whose value stays",
            "c1 0 10 cas absent a -> ok", "c2 0 10 cas absent b -> failed", "c3 11 12 get -> b"));
  }

  static Stream<Case> deletes() {
    return Stream.of(
        yes("delete makes the key absent", "c1 0 1 put a", "c1 2 3 delete", "c2 4 5 get -> absent"),
        no("a read after a delete cannot see the old value", "c1 0 1 put a", "c1 2 3 delete", "c2 4 5 get -> a"),
        yes("delete of a fresh key", "c1 0 1 delete", "c1 2 3 get -> absent"),
        yes("a write after a delete", "c1 0 1 put a", "c1 2 3 delete", "c1 4 5 put b", "c2 6 7 get -> b"),
        yes("absent until the first write", "c1 0 10 put a", "c2 1 2 get -> absent", "c2 3 4 get -> a"),
        no("not absent again once the first write was seen",
            "c1 0 10 put a", "c2 1 2 get -> a", "c2 3 4 get -> absent"));
  }

  static Stream<Case> indeterminate() {
    return Stream.of(
        yes("an indeterminate write read later", "c1 0 1 put a", "c2 2 ? put b", "c3 10 11 get -> b"),
        yes("an indeterminate write never seen",
            "c1 0 1 put a", "c2 2 ? put b", "c3 10 11 get -> a", "c3 12 13 get -> a"),
        yes("an indeterminate write seen long after its client gave up",
            "c1 0 1 put a", "c2 2 ? put b", "c2 3 4 get -> a", "c3 100 101 get -> b"),
        yes("a read overlapping an indeterminate write's invocation may see it",
            "c1 0 1 put a", "c2 5 ? put b", "c3 3 6 get -> b"),
        no("an indeterminate write appears, disappears and appears again",
            "c1 0 1 put a", "c2 2 ? put b", "c3 3 4 get -> b", "c3 5 6 get -> a", "c3 7 8 get -> b"),
        no("an indeterminate write takes effect at most once",
            "c1 0 1 put a", "c2 2 ? put b", "c3 3 4 get -> b", "c1 5 6 put c", "c3 7 8 get -> b"),
        no("an indeterminate write cannot explain a read before its invocation",
            "c3 0 1 get -> b", "c2 2 ? put b"),
        yes("an indeterminate delete observed", "c1 0 1 put a", "c2 2 ? delete", "c3 5 6 get -> absent"),
        no("an indeterminate delete undone",
            "c1 0 1 put a", "c2 2 ? delete", "c3 5 6 get -> absent", "c3 7 8 get -> a"),
        yes("an indeterminate cas applied", "c1 0 1 put a", "c2 2 ? cas a b", "c3 5 6 get -> b"),
        no("an indeterminate cas cannot apply unless the register holds expected",
            "c1 0 1 put a", "c2 2 ? cas x b", "c3 5 6 get -> b"),
        yes("a chain of indeterminate writes",
            "c1 0 1 put a", "c2 2 ? put b", "c3 3 ? cas b c", "c4 10 11 get -> c"),
        yes("an indeterminate write observed by a completed cas",
            "c1 0 1 put a", "c2 2 ? put b", "c3 5 6 cas b c -> ok", "c3 7 8 get -> c"),
        yes("an indeterminate write observed by a failed cas",
            "c1 0 1 put a", "c2 2 ? put b", "c3 5 6 cas a c -> failed"),
        yes("many indeterminate writes, none seen",
            "c1 0 1 put a", "c2 2 ? put b", "c3 3 ? put c", "c4 4 ? put d", "c5 5 ? delete", "c6 6 ? cas a e",
            "c7 7 ? put f", "c1 10 11 get -> a", "c1 12 13 put g", "c1 14 15 get -> g"),
        yes("an indeterminate get constrains nothing", "c1 0 1 put a", "c2 2 ? get"),
        yes("a key with only indeterminate operations", "c2 2 ? put b", "c3 2 ? delete"));
  }

  static Stream<Case> keys() {
    return Stream.of(
        no("keys are independent registers", "x: c1 0 1 put a", "y: c2 2 3 get -> a"),
        yes("interleaved keys, each linearizable",
            "x: c1 0 1 put a", "y: c2 0 1 put b", "x: c2 2 3 get -> a", "y: c1 2 3 get -> b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"sequential", "concurrent", "cas", "deletes", "indeterminate", "keys"})
  void decides(Case c) {
    Verdict v = LinearizabilityChecker.check(HistoryText.parse(c.lines()));
    assertEquals(c.expected(), v.outcome(), v::toString);
  }

  @Test
  void reportsTheFirstFailingKeyAndItsOperations() {
    Verdict v = LinearizabilityChecker.check(HistoryText.parse(
        "fine: c1 0 1 put a",
        "stale: c1 1000000 2000000 put a", "stale: c1 3000000 4000000 put b", "stale: c2 5000000 6000000 get -> a",
        "later: c3 7000000 8000000 get -> z",
        "fine: c1 9000000 9500000 get -> a"));
    assertEquals(NOT_LINEARIZABLE, v.outcome());
    assertEquals("stale", v.key());
    assertTrue(v.explanation().startsWith("key \"stale\" is not linearizable"), v::toString);
    assertTrue(v.explanation().contains("leaving the register \"b\""), v::toString);
    String staleRead = "(?s).*\\* c2 +get\\(\\) +\"a\" +\\+5\\.000 \\.\\. \\+6\\.000 ms.*";
    assertTrue(v.explanation().matches(staleRead), v::toString);
  }

  @Test
  void explainsIndeterminateOperationsNearTheFailure() {
    Verdict v = LinearizabilityChecker.check(HistoryText.parse(
        "c1 0 1000 put a", "c2 2000 ? put b", "c3 3000 4000 get -> b", "c3 5000 6000 get -> a",
        "c3 7000 8000 get -> b"));
    assertEquals("k", v.key());
    assertTrue(v.explanation().contains("put(\"b\")"), v::toString);
    assertTrue(v.explanation().contains("+0.002 .. ? ms"), v::toString);
  }

  @Test
  void linearizableVerdictSummarises() {
    Verdict v = LinearizabilityChecker.check(HistoryText.parse("x: c1 0 1 put a", "y: c2 2 ? put b"));
    assertTrue(v.isLinearizable());
    assertNull(v.key());
    assertEquals("linearizable: 2 keys, 2 operations (1 indeterminate)", v.toString());
  }

  @Test
  void givesUpBeyondItsBudget() {
    List<Operation> ops = HistoryText.parse("c1 0 1 put a", "c1 2 3 get -> a", "c1 4 5 get -> a");
    Verdict v = LinearizabilityChecker.check(ops, 2);
    assertEquals(UNKNOWN, v.outcome());
    assertEquals("k", v.key());
    assertTrue(v.explanation().contains("gave up after exploring 2 states"), v::toString);
    assertTrue(LinearizabilityChecker.check(ops, 3).isLinearizable());
  }

  @Test
  void prefersAFailureToAnUnknown() {
    List<Operation> ops = HistoryText.parse(
        "big: c1 0 1 put a", "big: c1 2 3 get -> a", "big: c1 4 5 get -> a", "bad: c2 0 1 get -> z");
    Verdict v = LinearizabilityChecker.check(ops, 2);
    assertEquals(NOT_LINEARIZABLE, v.outcome());
    assertEquals("bad", v.key());
  }

  @Test
  void rejectsANonPositiveBudget() {
    assertThrows(IllegalArgumentException.class, () -> LinearizabilityChecker.check(List.of(), 0));
  }
}
