package io.ketch.it.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.LongConsumer;

/**
 * Clients sharing linearizable registers in simulated time, recording what a fault test would: a
 * seeded source of large histories that are linearizable by construction.
 *
 * <p>Each client issues one operation at a time on a random key. An operation takes effect at a
 * random instant inside its interval. A fraction time out instead: the client records them as
 * indeterminate and moves on, and each takes effect, at any later instant, or never; a timed-out
 * get is discarded. Written values are unique.
 */
final class SimulatedRegisters {
  private static final long LATENCY = 1_000;
  private static final long TIMEOUT = 3 * LATENCY;

  private final Random rnd;
  private final int clients;
  private final int keys;
  private final double indeterminateRate;
  private final Map<String, String> registers = new HashMap<>();
  private final List<String> written = new ArrayList<>();
  private final PriorityQueue<Event> events =
      new PriorityQueue<>(Comparator.comparingLong(Event::time).thenComparingLong(Event::seq));
  private final List<Operation> history = new ArrayList<>();
  private long seq;
  private int issued;

  private record Event(long time, long seq, Runnable action) {}

  /** An operation in flight; {@code result} is set when it takes effect. */
  private static final class Call {
    final String client;
    final String key;
    final Op op;
    final long invoke;
    Result result;

    Call(String client, String key, Op op, long invoke) {
      this.client = client;
      this.key = key;
      this.op = op;
      this.invoke = invoke;
    }
  }

  private SimulatedRegisters(long seed, int clients, int keys, double indeterminateRate) {
    this.rnd = new Random(seed);
    this.clients = clients;
    this.keys = keys;
    this.indeterminateRate = indeterminateRate;
  }

  /** About {@code opsPerKey} operations on each of keys {@code k0..k<keys-1>}, in invocation order. */
  static List<Operation> run(long seed, int clients, int keys, int opsPerKey, double indeterminateRate) {
    SimulatedRegisters sim = new SimulatedRegisters(seed, clients, keys, indeterminateRate);
    return sim.simulate(keys * opsPerKey);
  }

  private List<Operation> simulate(int total) {
    for (int c = 0; c < clients; c++) {
      String client = "c" + c;
      at(rnd.nextInt((int) LATENCY), now -> invoke(client, now, total));
    }
    while (!events.isEmpty()) {
      Event e = events.poll();
      e.action.run();
    }
    history.sort(Comparator.comparingLong(Operation::invoke));
    return history;
  }

  private void invoke(String client, long now, int total) {
    if (issued++ >= total) {
      return;
    }
    String key = "k" + rnd.nextInt(keys);
    Call call = new Call(client, key, randomOp(client, key), now);
    if (rnd.nextDouble() < indeterminateRate) {
      if (rnd.nextBoolean()) {
        at(now + 1 + (long) (rnd.nextDouble() * 10 * TIMEOUT), t -> takeEffect(call));
      }
      at(now + TIMEOUT, t -> {
        if (!(call.op instanceof Op.Get)) {
          history.add(Operation.indeterminate(client, key, call.op, call.invoke));
        }
        next(client, t, total);
      });
      return;
    }
    long effect = now + 1 + (long) (rnd.nextDouble() * LATENCY);
    at(effect, t -> takeEffect(call));
    at(effect + 1 + (long) (rnd.nextDouble() * LATENCY), t -> {
      history.add(Operation.completed(client, key, call.op, call.invoke, t, call.result));
      next(client, t, total);
    });
  }

  private void next(String client, long now, int total) {
    at(now + (long) (rnd.nextDouble() * LATENCY / 4), t -> invoke(client, t, total));
  }

  private void takeEffect(Call call) {
    String current = registers.get(call.key);
    if (call.op instanceof Op.Put p) {
      registers.put(call.key, p.value());
      call.result = Result.ok();
    } else if (call.op instanceof Op.Delete) {
      registers.remove(call.key);
      call.result = Result.ok();
    } else if (call.op instanceof Op.Cas c) {
      boolean applies = Objects.equals(current, c.expected());
      if (applies) {
        registers.put(call.key, c.value());
      }
      call.result = applies ? Result.ok() : Result.failed();
    } else {
      call.result = Result.read(current);
    }
  }

  private Op randomOp(String client, String key) {
    int p = rnd.nextInt(100);
    if (p < 40) {
      return Op.get();
    }
    if (p < 90) {
      String value = client + "-" + written.size();
      written.add(value);
      if (p < 70) {
        return Op.put(value);
      }
      int e = rnd.nextInt(10);
      String expected = e < 6 ? registers.get(key)
          : e < 8 ? Op.ABSENT
          : written.get(rnd.nextInt(written.size()));
      return Op.cas(expected, value);
    }
    return Op.delete();
  }

  private void at(long time, LongConsumer action) {
    events.add(new Event(time, seq++, () -> action.accept(time)));
  }
}
