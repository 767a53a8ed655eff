package io.ketch.it.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The checker on generated histories: large ones from simulated linearizable registers, as a
 * cluster fault test records them, and tiny random ones against {@link BruteForceChecker}.
 */
class RandomHistoryTest {
  private static final int OPS_PER_KEY = 2_000;
  /** Of operations issued: about 5% of those recorded, as timed-out gets are discarded. */
  private static final double INDETERMINATE = 0.08;
  /** Well above what a slow two-core machine needs, so that only a blow-up fails. */
  private static final long MAX_MILLIS = 5_000;

  @ParameterizedTest(name = "seed {0}: {1} clients, {2} keys")
  @CsvSource({"1, 5, 3", "2, 5, 3", "3, 3, 3", "4, 5, 1", "42, 4, 2"})
  void simulatedHistoryIsLinearizable(long seed, int clients, int keys) {
    List<Operation> history = SimulatedRegisters.run(seed, clients, keys, OPS_PER_KEY, INDETERMINATE);
    Verdict v = timedCheck("seed " + seed, history);
    assertTrue(v.isLinearizable(), v::toString);
  }

  @ParameterizedTest(name = "seed {0}: {1} clients, {2} keys")
  @CsvSource({"1, 5, 3", "2, 5, 3", "3, 3, 3", "4, 5, 1", "42, 4, 2"})
  void oneStaleReadIsCaught(long seed, int clients, int keys) {
    List<Operation> history = SimulatedRegisters.run(seed, clients, keys, OPS_PER_KEY, INDETERMINATE);
    StaleRead stale = staleRead(history, "k0");
    Verdict v = timedCheck("seed " + seed + " with a stale read", stale.history);
    assertEquals(Verdict.Outcome.NOT_LINEARIZABLE, v.outcome(), v::toString);
    assertEquals("k0", v.key());
    assertTrue(v.explanation().contains(Values.show(stale.value)), v::toString);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TinyHistories.class)
  void agreesWithBruteForceOnTinyHistories(TinyHistories kind) {
    Random rnd = new Random(7);
    int linearizable = 0;
    int histories = 10_000;
    for (int i = 0; i < histories; i++) {
      List<Operation> h = kind.next(rnd);
      boolean expected = BruteForceChecker.linearizable(h);
      Verdict v = LinearizabilityChecker.check(h);
      assertEquals(expected, v.isLinearizable(), () -> "disagreement on " + h + "\n" + v);
      linearizable += expected ? 1 : 0;
    }
    assertTrue(linearizable > histories / 5 && linearizable < histories * 19 / 20,
        "too one-sided to test much: " + linearizable + " of " + histories + " linearizable");
  }

  private static Verdict timedCheck(String name, List<Operation> history) {
    long start = System.nanoTime();
    Verdict v = LinearizabilityChecker.check(history);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.printf("%s: %d operations (%d indeterminate) checked in %d ms: %s%n", name, history.size(),
        history.stream().filter(Operation::isIndeterminate).count(), millis, v.outcome());
    assertTrue(millis < MAX_MILLIS, name + " took " + millis + " ms");
    return v;
  }

  private record StaleRead(List<Operation> history, String value) {}

  /**
   * {@code history} with a completed get of {@code key} from its second half made to read the value
   * of a put W, where W completed before a write X that completed before the get: with unique
   * values, a sure violation.
   */
  private static StaleRead staleRead(List<Operation> history, String key) {
    List<Operation> ops = history.stream().filter(o -> o.key().equals(key)).toList();
    for (Operation get : ops.subList(ops.size() / 2, ops.size())) {
      if (!(get.op() instanceof Op.Get) || get.isIndeterminate()) {
        continue;
      }
      Operation x = latest(ops, o -> overwrites(o) && o.complete() < get.invoke());
      Operation w = x == null ? null
          : latest(ops, o -> o.op() instanceof Op.Put && !o.isIndeterminate() && o.complete() < x.invoke());
      if (w == null) {
        continue;
      }
      String value = ((Op.Put) w.op()).value();
      List<Operation> mutated = new ArrayList<>(history);
      mutated.set(history.indexOf(get),
          Operation.completed(get.client(), key, get.op(), get.invoke(), get.complete(), Result.read(value)));
      return new StaleRead(mutated, value);
    }
    throw new IllegalStateException("no read to make stale in " + key);
  }

  private static boolean overwrites(Operation o) {
    return !o.isIndeterminate() && !(o.op() instanceof Op.Get) && o.result().equals(Result.ok());
  }

  private static Operation latest(List<Operation> ops, Predicate<Operation> p) {
    return ops.stream().filter(p).max(Comparator.comparingLong(Operation::complete)).orElse(null);
  }
}
