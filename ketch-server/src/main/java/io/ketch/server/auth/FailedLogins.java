package io.ketch.server.auth;

import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Brute-force protection for Authenticate, per user on each member: after {@value #FREE_FAILURES}
 * wrong passwords in a row a user is locked out for a while, doubling with each further failure up
 * to a minute; a right password clears the count. While locked out, attempts are refused before any
 * password check (which would otherwise let a guesser spend this member's CPU on bcrypt).
 * etcd has no such limit; the refusal is {@code RESOURCE_EXHAUSTED} with a message saying when to
 * try again. Thread-safe.
 */
public final class FailedLogins {
  static final int FREE_FAILURES = 5;
  private static final long MAX_LOCK_NANOS = TimeUnit.SECONDS.toNanos(60);

  private record Record(int failures, long lockedUntilNanos) {}

  private final Map<String, Record> records = new ConcurrentHashMap<>();

  /** Refuses the attempt if {@code user} is locked out now. */
  public void admit(String user) {
    Record r = records.get(user);
    if (r == null) {
      return;
    }
    long wait = r.lockedUntilNanos() - System.nanoTime();
    if (wait > 0) {
      long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + TimeUnit.SECONDS.toNanos(1) - 1));
      throw Status.RESOURCE_EXHAUSTED.withDescription("ketch: too many failed authentication attempts for user \""
          + user + "\"; try again in " + seconds + "s").asRuntimeException();
    }
  }

  /** Counts a wrong password (or unknown user) for {@code user}. */
  public void failed(String user) {
    records.compute(user, (u, r) -> {
      int failures = r == null ? 1 : r.failures() + 1;
      long lock = 0;
      if (failures >= FREE_FAILURES) {
        int doublings = Math.min(failures - FREE_FAILURES, 6);
        lock = System.nanoTime() + Math.min(MAX_LOCK_NANOS, TimeUnit.SECONDS.toNanos(1L << doublings));
      }
      return new Record(failures, lock);
    });
    if (records.size() > 100_000) {
      records.clear(); // a flood of made-up user names must not grow the map without bound
    }
  }

  /** Clears {@code user}'s count after a right password. */
  public void succeeded(String user) {
    records.remove(user);
  }
}
