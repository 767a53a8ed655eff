package io.ketch.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.server.raft.proto.InternalBatch;
import io.ketch.server.raft.proto.InternalRequest;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Proposal batching: one entry in flight, requests queued behind it, and the nudge past a stall. */
class ProposerTest {
  /** An entry handed to the (fake) replication step, completed by the test. */
  private record Proposed(InternalBatch batch, CompletableFuture<Void> done) {}

  private final BlockingQueue<Proposed> proposed = new LinkedBlockingQueue<>();
  private final Waiters waiters = new Waiters();

  private Proposer proposer() {
    return new Proposer(7, 1, batch -> {
      CompletableFuture<Void> done = new CompletableFuture<>();
      proposed.add(new Proposed(batch, done));
      return done;
    }, waiters, java.time.Duration.ofSeconds(7), () -> true);
  }

  private InternalRequest request(String key) {
    long id = waiters.register(new CompletableFuture<>());
    return InternalRequest.newBuilder().setId(id)
        .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))).build();
  }

  @Test
  void requestsArrivingWhileAnEntryIsInFlightShareTheNextEntry() throws Exception {
    try (Proposer p = proposer()) {
      p.submit(request("a"));
      Proposed first = proposed.take();
      assertEquals(1, first.batch().getRequestsCount());
      p.submit(request("b"));
      p.submit(request("c"));
      first.done().complete(null);
      Proposed second = proposed.poll(5, TimeUnit.SECONDS);
      assertEquals(List.of("b", "c"), second.batch().getRequestsList().stream()
          .map(r -> r.getPut().getKey().toStringUtf8()).toList());
      assertEquals(7, second.batch().getProposer());
    }
  }

  @Test
  void anEntryThatStallsGetsAnotherProposedBehindIt() throws Exception {
    try (Proposer p = proposer()) {
      p.submit(request("a"));
      Proposed stalled = proposed.take();
      // nothing completes the first entry (as when Ratis's apply thread misses its wake-up): the
      // queued request still goes out, past the in-flight limit, once the entry has waited too long
      p.submit(request("b"));
      Proposed nudge = proposed.poll(5, TimeUnit.SECONDS);
      assertNotNull(nudge, "a stalled entry got no entry proposed behind it");
      assertEquals("b", nudge.batch().getRequests(0).getPut().getKey().toStringUtf8());
      // one nudge at a time, however long the stall
      Proposed again = proposed.poll(200, TimeUnit.MILLISECONDS);
      assertNull(again, "one nudge until an entry completes");
      stalled.done().complete(null);
      nudge.done().complete(null);
    }
  }

  @Test
  void anEntryInFlightWithNothingQueuedIsNudgedWithAnEmptyEntry() throws Exception {
    try (Proposer p = proposer()) {
      p.submit(request("a"));
      proposed.take();
      Proposed nudge = proposed.poll(5, TimeUnit.SECONDS);
      assertNotNull(nudge, "no nudge");
      assertEquals(0, nudge.batch().getRequestsCount());
      assertNull(proposed.poll(200, TimeUnit.MILLISECONDS), "one nudge per stalled entry");
    }
  }
}
