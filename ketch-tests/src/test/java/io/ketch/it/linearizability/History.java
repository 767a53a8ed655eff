package io.ketch.it.linearizability;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A thread-safe recorder of the operations a test's clients issue, for {@link
 * LinearizabilityChecker}.
 *
 * <p>A client calls {@link #invoke} right before sending a request, then exactly one of: {@link
 * #complete} with what came back; {@link #indeterminate} if it cannot know whether the request took
 * effect (a timeout, a lost connection); {@link #discard} if it surely had no effect (a refused
 * request) or was a read that failed.
 *
 * <p>Concurrency: one lock guards the slots; the clock is read outside it, before an invocation is
 * logged and on entry to a completion, so an operation's recorded interval always contains its
 * real one.
 */
public final class History {
  private final LongSupplier clock;
  private final Object lock = new Object();
  /** Slot {@code h} is operation {@code h}: indeterminate until completed; null once discarded. Guarded by lock. */
  private final List<Operation> slots = new ArrayList<>();
  /** The handles already completed, made indeterminate or discarded. Guarded by lock. */
  private final BitSet closed = new BitSet();

  /** A history timed by {@link System#nanoTime()}. */
  public History() {
    this(System::nanoTime);
  }

  /** A history timed by {@code clock}, which must never go backwards. */
  public History(LongSupplier clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Logs that {@code client} is about to send {@code op} on {@code key}; returns its handle. */
  public long invoke(String client, String key, Op op) {
    Operation pending = Operation.indeterminate(client, key, op, clock.getAsLong());
    synchronized (lock) {
      slots.add(pending);
      return slots.size() - 1;
    }
  }

  /**
   * Logs that operation {@code handle} returned {@code result}.
   *
   * @throws IllegalArgumentException if {@code result} is not one the operation can return
   * @throws IllegalStateException if the handle is unknown or already closed
   */
  public void complete(long handle, Result result) {
    long now = clock.getAsLong();
    synchronized (lock) {
      Operation p = open(handle);
      Operation done = Operation.completed(p.client(), p.key(), p.op(), p.invoke(), now, result);
      close(handle);
      slots.set((int) handle, done);
    }
  }

  /**
   * Logs that operation {@code handle} may or may not have taken effect.
   *
   * @throws IllegalStateException if the handle is unknown or already closed
   */
  public void indeterminate(long handle) {
    synchronized (lock) {
      open(handle);
      close(handle);
    }
  }

  /**
   * Forgets operation {@code handle}: it surely had no effect, or was a read that failed.
   *
   * @throws IllegalStateException if the handle is unknown or already closed
   */
  public void discard(long handle) {
    synchronized (lock) {
      open(handle);
      close(handle);
      slots.set((int) handle, null);
    }
  }

  /**
   * The operations logged so far, in invocation order. One still in flight is reported as
   * indeterminate.
   */
  public List<Operation> operations() {
    synchronized (lock) {
      return slots.stream().filter(Objects::nonNull).sorted(Comparator.comparingLong(Operation::invoke)).toList();
    }
  }

  /** The operation {@code handle} names, still open. Caller holds lock. */
  private Operation open(long handle) {
    if (handle < 0 || handle >= slots.size()) {
      throw new IllegalStateException("unknown handle: " + handle);
    }
    if (closed.get((int) handle)) {
      throw new IllegalStateException("operation already closed: handle=" + handle + ", op=" + slots.get((int) handle));
    }
    return slots.get((int) handle);
  }

  /** Caller holds lock. */
  private void close(long handle) {
    closed.set((int) handle);
  }
}
