package io.ketch.it;

import static io.ketch.it.WatchSession.b;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.v3electionpb.CampaignRequest;
import io.ketch.api.v3electionpb.CampaignResponse;
import io.ketch.api.v3electionpb.ElectionGrpc;
import io.ketch.api.v3electionpb.LeaderKey;
import io.ketch.api.v3electionpb.LeaderRequest;
import io.ketch.api.v3electionpb.LeaderResponse;
import io.ketch.api.v3electionpb.ProclaimRequest;
import io.ketch.api.v3electionpb.ResignRequest;
import io.ketch.api.v3lockpb.LockGrpc;
import io.ketch.api.v3lockpb.LockRequest;
import io.ketch.api.v3lockpb.LockResponse;
import io.ketch.api.v3lockpb.UnlockRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The v3lockpb.Lock and v3electionpb.Election services, scripted against etcd and Ketch (one fresh
 * pair for the class; each case has its own names and lease IDs): uncontended and contended locks,
 * release by unlock, by revoke and by giving up; campaigns, proclaim, resign, leader and observe,
 * stale leader keys and missing fields. Every response, and whether a call is still waiting, must
 * be the same.
 */
class LockElectionConformanceTest {
  private static final long WAIT_MILLIS = 600;
  private static Differential d;

  @BeforeAll
  static void start() {
    d = new Differential();
  }

  @AfterAll
  static void stop() {
    d.close();
  }

  /** One server's side of a script: stubs and the transcript. */
  static final class Session implements AutoCloseable {
    final ManagedChannel channel;
    final LockGrpc.LockFutureStub lock;
    final ElectionGrpc.ElectionFutureStub election;
    final LeaseGrpc.LeaseBlockingStub lease;
    final KVGrpc.KVBlockingStub kv;
    final List<String> transcript = new ArrayList<>();

    Session(Endpoint e) {
      channel = e.channel();
      lock = LockGrpc.newFutureStub(channel);
      election = ElectionGrpc.newFutureStub(channel);
      lease = LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    void grant(long... ids) {
      for (long id : ids) {
        lease.leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(600).build());
      }
    }

    void revoke(long id) {
      note("revoke " + id, lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
    }

    void note(String what, Message m) {
      transcript.add(what + ": " + TextFormat.shortDebugString(KvCaller.normalize(m)));
    }

    /** Waits for {@code f} up to {@code millis}: its response, its error, or "still waiting". */
    <T extends Message> T await(String what, ListenableFuture<T> f, long millis) throws InterruptedException {
      try {
        T r = f.get(millis, TimeUnit.MILLISECONDS);
        note(what, r);
        return r;
      } catch (ExecutionException e) {
        Status s = Status.fromThrowable(e.getCause());
        // a client-side deadline's text names the local address and timing: the code says it all
        transcript.add(what + ": ERROR " + s.getCode()
            + (s.getCode() == Status.Code.DEADLINE_EXCEEDED ? "" : ": " + s.getDescription()));
      } catch (TimeoutException e) {
        transcript.add(what + ": still waiting");
      }
      return null;
    }

    <T extends Message> T await(String what, ListenableFuture<T> f) throws InterruptedException {
      return await(what, f, 10_000);
    }

    void range(String prefix) {
      byte[] end = prefix.getBytes();
      end[end.length - 1]++;
      note("range " + prefix, kv.range(RangeRequest.newBuilder().setKey(b(prefix))
          .setRangeEnd(ByteString.copyFrom(end)).setKeysOnly(true).build()));
    }

    ListenableFuture<LockResponse> lock(String name, long leaseId) {
      return lock.lock(LockRequest.newBuilder().setName(b(name)).setLease(leaseId).build());
    }

    ListenableFuture<CampaignResponse> campaign(String name, long leaseId, String value) {
      return election.campaign(CampaignRequest.newBuilder().setName(b(name)).setLease(leaseId).setValue(b(value)).build());
    }

    ListenableFuture<LeaderResponse> leader(String name) {
      return election.leader(LeaderRequest.newBuilder().setName(b(name)).build());
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }

  @FunctionalInterface
  interface Script {
    void run(Session s) throws Exception;
  }

  private static Arguments scenario(String name, Script script) {
    return Arguments.of(name, script);
  }

  static Stream<Arguments> scenarios() {
    List<Arguments> s = new ArrayList<>();
    s.add(scenario("uncontended lock, the same lease again, unlock, unknown lease", w -> {
      w.grant(11);
      w.await("lock", w.lock("lk1", 11));
      w.await("lock again", w.lock("lk1", 11));
      w.await("unlock", w.lock.unlock(UnlockRequest.newBuilder().setKey(b("lk1/b")).build()));
      w.await("unlock again", w.lock.unlock(UnlockRequest.newBuilder().setKey(b("lk1/b")).build()));
      w.await("lock with an unknown lease", w.lock("lk1", 999));
      w.range("lk1/");
    }));
    s.add(scenario("contended lock: the waiter gets it when the holder unlocks", w -> {
      w.grant(21, 22, 23);
      w.await("holder", w.lock("lk2", 21));
      ListenableFuture<LockResponse> second = w.lock("lk2", 22);
      w.await("second while held", second, WAIT_MILLIS);
      ListenableFuture<LockResponse> third = w.lock("lk2", 23);
      w.await("third while held", third, WAIT_MILLIS);
      w.await("unlock holder", w.lock.unlock(UnlockRequest.newBuilder().setKey(b("lk2/15")).build()));
      w.await("second", second);
      w.await("third while second holds", third, WAIT_MILLIS);
      w.revoke(22);
      w.await("third after the second's lease is revoked", third);
      w.range("lk2/");
    }));
    s.add(scenario("a waiter that gives up leaves the line", w -> {
      w.grant(31, 32);
      w.await("holder", w.lock("lk3", 31));
      w.await("impatient", w.lock.withDeadlineAfter(WAIT_MILLIS, TimeUnit.MILLISECONDS)
          .lock(LockRequest.newBuilder().setName(b("lk3")).setLease(32).build()));
      Thread.sleep(500);
      w.range("lk3/");
    }));
    s.add(scenario("election: campaign, leader, proclaim, stale and missing leader keys, resign", w -> {
      w.grant(41, 42);
      w.await("leader before anyone campaigns", w.leader("el1"));
      CampaignResponse first = w.await("first campaign", w.campaign("el1", 41, "one"));
      LeaderKey one = first.getLeader();
      w.await("leader", w.leader("el1"));
      ListenableFuture<CampaignResponse> second = w.campaign("el1", 42, "two");
      w.await("second campaign while first leads", second, WAIT_MILLIS);
      w.await("proclaim", w.election.proclaim(ProclaimRequest.newBuilder().setLeader(one).setValue(b("uno")).build()));
      w.await("leader after proclaim", w.leader("el1"));
      LeaderKey stale = one.toBuilder().setRev(one.getRev() + 100).build();
      w.await("proclaim with a stale key", w.election.proclaim(ProclaimRequest.newBuilder().setLeader(stale).setValue(b("x")).build()));
      w.await("proclaim without a key", w.election.proclaim(ProclaimRequest.newBuilder().setValue(b("x")).build()));
      w.await("resign without a key", w.election.resign(ResignRequest.getDefaultInstance()));
      w.await("resign with a stale key", w.election.resign(ResignRequest.newBuilder().setLeader(stale).build()));
      w.await("resign", w.election.resign(ResignRequest.newBuilder().setLeader(one).build()));
      w.await("second campaign", second);
      w.await("leader after resign", w.leader("el1"));
      w.await("campaign again with the second lease and a new value", w.campaign("el1", 42, "deux"));
      w.await("leader after re-campaign", w.leader("el1"));
      w.revoke(42);
      w.await("leader after the lease is revoked", w.leader("el1"));
    }));
    s.add(scenario("observe: first leader, proclaims, and the next leader after a resign", w -> {
      w.grant(51, 52);
      LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
      Context.CancellableContext ctx = Context.current().withCancellation();
      ctx.run(() -> ElectionGrpc.newStub(w.channel).observe(LeaderRequest.newBuilder().setName(b("el2")).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(LeaderResponse r) {
              seen.add("observed: " + TextFormat.shortDebugString(KvCaller.normalize(r)));
            }

            @Override
            public void onError(Throwable t) {
              seen.add("observe ended: " + Status.fromThrowable(t).getCode());
            }

            @Override
            public void onCompleted() {
              seen.add("observe completed");
            }
          }));
      Thread.sleep(300);
      CampaignResponse first = w.await("first campaign", w.campaign("el2", 51, "a"));
      Thread.sleep(300);
      w.await("proclaim", w.election.proclaim(ProclaimRequest.newBuilder().setLeader(first.getLeader()).setValue(b("b")).build()));
      ListenableFuture<CampaignResponse> second = w.campaign("el2", 52, "c");
      Thread.sleep(300);
      w.await("resign", w.election.resign(ResignRequest.newBuilder().setLeader(first.getLeader()).build()));
      w.await("second campaign", second);
      Thread.sleep(500);
      seen.drainTo(w.transcript); // before cancelling: the client's own CANCELLED is not the server's doing
      ctx.cancel(null);
    }));
    return s.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void sameAsEtcd(String name, Script script) throws Exception {
    List<String> expected;
    List<String> actual;
    try (Session s = new Session(d.etcd())) {
      script.run(s);
      expected = s.transcript;
    }
    try (Session s = new Session(d.ketch())) {
      script.run(s);
      actual = s.transcript;
    }
    if (Boolean.getBoolean("ketch.it.printTranscripts")) {
      System.out.println("=== " + name + "\n" + String.join("\n", expected));
    }
    assertEquals(String.join("\n", expected), String.join("\n", actual), name);
  }

  /** Where Ketch deliberately differs: no lease, no lock (etcd lends a 60 s lease it lets lapse). */
  @Test
  void lockAndCampaignWithoutALeaseAreRefused() throws Exception {
    try (Session s = new Session(d.ketch())) {
      s.await("lock", s.lock("nolease", 0));
      s.await("campaign", s.campaign("nolease", 0, "v"));
      s.range("nolease/");
      assertEquals(List.of(
          "lock: ERROR INVALID_ARGUMENT: ketch: a lock needs a lease: grant one, keep it alive, and pass its ID (LockRequest.lease)",
          "campaign: ERROR INVALID_ARGUMENT: ketch: a campaign needs a lease: grant one, keep it alive, and pass its ID (CampaignRequest.lease)",
          "range nolease/: header { revision: " + currentRevision(s) + " }"), s.transcript);
    }
  }

  private static long currentRevision(Session s) {
    return s.kv.range(RangeRequest.newBuilder().setKey(b("x")).build()).getHeader().getRevision();
  }
}
