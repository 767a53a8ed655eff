package io.ketch.junit;

import com.google.protobuf.ByteString;
import io.ketch.api.mvccpb.Event;
import io.ketch.client.Client;
import io.ketch.client.EtcdException;
import io.ketch.client.Watch;
import io.ketch.client.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.opentest4j.AssertionFailedError;

/** Checks tests against a Ketch (or etcd) cluster often need. */
public final class KetchAssertions {
  private KetchAssertions() {}

  /**
   * Asks for {@code key} until its value is {@code expected} (null: until it is absent), at most
   * {@code within}; fails with the last value seen.
   */
  public static void assertEventuallyEquals(Client client, String key, String expected, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    String last = null;
    Throwable lastError = null;
    do {
      try {
        var r = client.kv().get(utf8(key)).get(Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS);
        last = r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toString(StandardCharsets.UTF_8);
        lastError = null;
        if (expected == null ? last == null : expected.equals(last)) {
          return;
        }
      } catch (Exception e) {
        lastError = e;
      }
      sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionFailedError("key " + key + " was not " + (expected == null ? "absent" : "\"" + expected + "\"")
        + " within " + within + (lastError != null ? "; last attempt failed: " + lastError : "; last value: "
        + (last == null ? "absent" : "\"" + last + "\"")), expected, last);
  }

  /**
   * Watches {@code key} (from the next revision), runs {@code action}, and waits at most
   * {@code within} for {@code count} events on it; returns them, or fails with those that came.
   */
  public static List<Event> assertWatchReceives(Client client, String key, int count, Duration within,
      Runnable action) {
    List<Event> events = new ArrayList<>();
    List<EtcdException> errors = new ArrayList<>();
    boolean[] created = {false};
    Object lock = new Object();
    try (Watch.Watcher w = client.watch().watch(utf8(key), WatchOption.builder().withCreatedNotify().build(),
        new Watch.Listener() {
          @Override
          public void onNext(io.ketch.api.etcdserverpb.WatchResponse r) {
            synchronized (lock) {
              created[0] |= r.getCreated();
              events.addAll(r.getEventsList());
              lock.notifyAll();
            }
          }

          @Override
          public void onError(EtcdException e) {
            synchronized (lock) {
              errors.add(e);
              lock.notifyAll();
            }
          }
        })) {
      long deadline = System.nanoTime() + within.toNanos();
      synchronized (lock) {
        // the action's changes must come after the watch exists on the server
        while (!created[0] && errors.isEmpty() && System.nanoTime() < deadline) {
          try {
            TimeUnit.NANOSECONDS.timedWait(lock, deadline - System.nanoTime());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      }
      action.run();
      synchronized (lock) {
        while (events.size() < count && errors.isEmpty()) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(lock, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        if (!errors.isEmpty()) {
          throw new AssertionFailedError("the watch of " + key + " failed: " + errors.get(0), errors.get(0));
        }
        if (events.size() < count) {
          throw new AssertionFailedError("the watch of " + key + " received " + events.size() + " of " + count
              + " events within " + within + ": " + events);
        }
        return List.copyOf(events);
      }
    }
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
