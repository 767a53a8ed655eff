package io.ketch.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.TextFormat;
import io.ketch.client.Client;
import io.ketch.client.EtcdException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Helpers for ketch-client tests: a client per server, waiting on futures, and responses printed
 * with the fields that legitimately differ between servers ({@code cluster_id}, {@code member_id},
 * {@code raft_term}) blanked, so etcd's and Ketch's answers can be compared as text.
 */
final class ClientFixture {
  private ClientFixture() {}

  /** A scenario run against one server through ketch-client, returning its transcript. */
  interface Scenario {
    String run(Client client) throws Exception;
  }

  static Client client(Endpoint e) {
    return Client.builder().endpoints("http://" + e.address()).build();
  }

  /** Runs the scenario against each server (fresh client each) and returns transcripts by server name. */
  static Map<String, String> runOn(List<Endpoint> servers, Scenario scenario) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (Endpoint e : servers) {
      try (Client c = client(e)) {
        out.put(e.name(), scenario.run(c));
      }
    }
    return out;
  }

  /** The body of one of several concurrent workers, given its index. */
  interface Worker {
    void run(int index) throws Exception;
  }

  /** Runs {@code n} workers on threads of their own, waits (≤ 60 s) for all, returns what they threw. */
  static List<Throwable> concurrently(int n, Worker worker) throws InterruptedException {
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      Thread t = new Thread(() -> {
        try {
          worker.run(index);
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "worker-" + i);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(60_000);
    }
    return failures;
  }

  /**
   * Polls {@code condition} every 20 ms until it holds or {@code timeoutMs} pass; says whether it
   * held. Callers assert what they expect afterwards, so a timeout shows the state it ended in.
   */
  static boolean waitUntil(java.util.function.BooleanSupplier condition, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() >= deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  /** The failure of a future that must fail, as {@code CODE: text}. */
  static String failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      EtcdException ee = EtcdException.of(e);
      // a deadline's text says by how much it was missed
      return ee.code() == io.grpc.Status.Code.DEADLINE_EXCEEDED ? ee.code().toString() : ee.code() + ": " + ee.getMessage();
    }
    throw new AssertionError("expected a failure, got success");
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** A response as one line of text, server-specific header fields blanked. */
  static String text(MessageOrBuilder m) {
    return TextFormat.shortDebugString(m)
        .replaceAll("cluster_id: \\d+", "cluster_id: C")
        .replaceAll("member_id: \\d+", "member_id: M")
        .replaceAll("raft_term: \\d+", "raft_term: T")
        .replaceAll("lease: \\d+", "lease: L")
        .replaceAll("ID: \\d+", "ID: L");
  }
}
