package io.ketch.it;

import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.client.EtcdException;
import io.ketch.client.Watch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A watch listener that records what it is given, for tests to wait on and inspect. */
final class WatchRecorder implements Watch.Listener {
  final List<WatchResponse> responses = new ArrayList<>();
  final CompletableFuture<EtcdException> error = new CompletableFuture<>();
  final CompletableFuture<Void> completed = new CompletableFuture<>();

  @Override
  public synchronized void onNext(WatchResponse r) {
    responses.add(r);
    notifyAll();
  }

  @Override
  public void onError(EtcdException e) {
    error.complete(e);
  }

  @Override
  public void onCompleted() {
    completed.complete(null);
  }

  /** Every event received so far, in order. */
  synchronized List<Event> events() {
    List<Event> out = new ArrayList<>();
    responses.forEach(r -> out.addAll(r.getEventsList()));
    return out;
  }

  /** Waits until at least {@code n} events have arrived; fails after {@code timeoutMs}. */
  synchronized List<Event> awaitEvents(int n, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (events().size() < n) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError("only " + events().size() + " of " + n + " events after " + timeoutMs + " ms");
      }
      wait(left);
    }
    return events();
  }

  /** Waits until at least {@code n} responses have arrived. */
  synchronized List<WatchResponse> awaitResponses(int n, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (responses.size() < n) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError("only " + responses.size() + " of " + n + " responses after " + timeoutMs + " ms");
      }
      wait(left);
    }
    return new ArrayList<>(responses);
  }
}
