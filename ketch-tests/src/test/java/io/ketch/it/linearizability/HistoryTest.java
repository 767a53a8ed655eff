package io.ketch.it.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HistoryTest {
  /** A clock that advances 10 ns each time it is read. */
  private final AtomicLong now = new AtomicLong();
  private final History history = new History(() -> now.getAndAdd(10));

  @Test
  void recordsWhatClientsLog() {
    long put = history.invoke("c1", "k", Op.put("a"));
    long get = history.invoke("c2", "k", Op.get());
    long cas = history.invoke("c3", "k", Op.cas(Op.ABSENT, "b"));
    long delete = history.invoke("c4", "k", Op.delete());
    long lost = history.invoke("c5", "k", Op.get());
    history.complete(get, Result.read("a"));
    history.complete(put, Result.ok());
    history.indeterminate(cas);
    history.discard(lost);
    assertEquals(List.of(
        Operation.completed("c1", "k", Op.put("a"), 0, 60, Result.ok()),
        Operation.completed("c2", "k", Op.get(), 10, 50, Result.read("a")),
        Operation.indeterminate("c3", "k", Op.cas(Op.ABSENT, "b"), 20),
        Operation.indeterminate("c4", "k", Op.delete(), 30)), history.operations());
    history.complete(delete, Result.ok());
    assertEquals(Operation.completed("c4", "k", Op.delete(), 30, 70, Result.ok()), history.operations().get(3));
  }

  @Test
  void closesEachHandleOnce() {
    long h = history.invoke("c1", "k", Op.put("a"));
    history.complete(h, Result.ok());
    assertThrows(IllegalStateException.class, () -> history.complete(h, Result.ok()));
    assertThrows(IllegalStateException.class, () -> history.indeterminate(h));
    assertThrows(IllegalStateException.class, () -> history.discard(h));
    assertThrows(IllegalStateException.class, () -> history.discard(h + 1));
  }

  @Test
  void aResultTheOperationCannotReturnLeavesItOpen() {
    long h = history.invoke("c1", "k", Op.put("a"));
    assertThrows(IllegalArgumentException.class, () -> history.complete(h, Result.read("a")));
    history.complete(h, Result.ok());
    assertFalse(history.operations().get(0).isIndeterminate());
  }

  @Test
  void recordsFromManyThreads() throws InterruptedException {
    History shared = new History();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String client = "c" + t;
      threads.add(new Thread(() -> {
        for (int i = 0; i < 1000; i++) {
          long h = shared.invoke(client, "k", Op.put(client + "-" + i));
          shared.complete(h, Result.ok());
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    List<Operation> ops = shared.operations();
    assertEquals(4000, ops.size());
    Set<Op> distinct = new HashSet<>();
    for (int i = 0; i < ops.size(); i++) {
      distinct.add(ops.get(i).op());
      assertTrue(i == 0 || ops.get(i - 1).invoke() <= ops.get(i).invoke());
      assertTrue(ops.get(i).invoke() <= ops.get(i).complete());
    }
    assertEquals(4000, distinct.size());
  }

  static Stream<Arguments> invalidOperations() {
    return Stream.of(
        Arguments.of("a put cannot read", Op.put("a"), 0, 1, Result.read("a")),
        Arguments.of("a delete cannot fail", Op.delete(), 0, 1, Result.failed()),
        Arguments.of("a get reads", Op.get(), 0, 1, Result.ok()),
        Arguments.of("a cas does not read", Op.cas("a", "b"), 0, 1, Result.read("a")),
        Arguments.of("completes before invoked", Op.put("a"), 5, 4, Result.ok()),
        Arguments.of("a result without a completion", Op.put("a"), 0, Operation.NEVER, Result.ok()),
        Arguments.of("a completion without a result", Op.put("a"), 0, 1, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidOperations")
  void rejectsInvalidOperations(String name, Op op, long invoke, long complete, Result result) {
    assertThrows(IllegalArgumentException.class, () -> new Operation("c1", "k", op, invoke, complete, result));
  }

  @Test
  void rejectsPutsAndCasesOfNothing() {
    assertThrows(NullPointerException.class, () -> Op.put(Op.ABSENT));
    assertThrows(NullPointerException.class, () -> Op.cas("a", Op.ABSENT));
  }
}
