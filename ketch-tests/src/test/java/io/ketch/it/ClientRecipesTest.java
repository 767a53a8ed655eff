package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.api.v3lockpb.LockResponse;
import io.ketch.client.Client;
import io.ketch.client.EtcdException;
import io.ketch.client.concurrency.Election;
import io.ketch.client.concurrency.Mutex;
import io.ketch.client.concurrency.Session;
import io.ketch.client.concurrency.Stm;
import io.ketch.client.options.Cmp;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.Op;
import io.ketch.client.options.PutOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * ketch-client's concurrency recipes against etcd and Ketch: Session, Mutex (exclusion, fencing,
 * tryLock, and the same keys as etcd's own lock so the two exclude each other), Election
 * (campaign, proclaim, observe, resign) and STM (no lost update under contention).
 */
class ClientRecipesTest extends EtcdAndKetch {
  /**
   * Four sessions increment a counter 10 times each holding the mutex, each write fenced by the
   * holder's revision: the count is exact and every fenced write succeeds.
   */
  @Test
  void mutexExcludesAndFences() throws Exception {
    for (Endpoint server : servers()) {
      try (Client c = ClientFixture.client(server)) {
        ByteString counter = bs("mx/counter");
        get(c.kv().put(counter, bs("0")));
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger overlap = new AtomicInteger();
        List<Throwable> failures = ClientFixture.concurrently(4, t -> {
          try (Session s = Session.create(c, 10)) {
            Mutex m = new Mutex(s, bs("mx/lock"));
            for (int i = 0; i < 10; i++) {
              get(m.lock());
              if (holders.incrementAndGet() > 1) {
                overlap.incrementAndGet();
              }
              int n = Integer.parseInt(get(c.kv().get(counter)).getKvs(0).getValue().toStringUtf8());
              boolean ok = get(c.kv().txn().If(m.isOwner())
                  .then(Op.put(counter, bs(Integer.toString(n + 1)), PutOption.DEFAULT)).commit()).getSucceeded();
              if (!ok) {
                throw new AssertionError("fenced write refused while holding the lock");
              }
              holders.decrementAndGet();
              get(m.unlock());
            }
          }
        });
        assertEquals(List.of(), failures, server.name());
        assertEquals(0, overlap.get(), server.name() + ": two holders at once");
        assertEquals("40", get(c.kv().get(counter)).getKvs(0).getValue().toStringUtf8(), server.name());
      }
    }
  }

  /** tryLock fails while held; the server's Lock service and the Mutex share keys, so they exclude each other. */
  @Test
  void tryLockAndInteropWithTheLockService() throws Exception {
    for (Endpoint server : servers()) {
      try (Client c = ClientFixture.client(server);
           Session s1 = Session.create(c, 10);
           Session s2 = Session.create(c, 10)) {
        Mutex held = new Mutex(s1, bs("interop"));
        get(held.lock());
        assertEquals("interop/" + Long.toHexString(s1.leaseId()), held.key().toStringUtf8());
        ExecutionException busy = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
            () -> new Mutex(s2, bs("interop")).tryLock().get(10, TimeUnit.SECONDS));
        assertInstanceOf(Mutex.LockedException.class, busy.getCause());
        assertEquals(1, get(c.kv().get(bs("interop/"), GetOption.builder().withPrefix().withCountOnly().build())).getCount(),
            server.name() + ": tryLock left the line");
        CompletableFuture<LockResponse> service = c.lock().lock(bs("interop"), s2.leaseId());
        Thread.sleep(500);
        assertFalse(service.isDone(), server.name() + ": the Lock service waits for the Mutex holder");
        get(held.unlock());
        LockResponse got = service.get(10, TimeUnit.SECONDS);
        assertEquals("interop/" + Long.toHexString(s2.leaseId()), got.getKey().toStringUtf8());
        Mutex waiting = new Mutex(s1, bs("interop"));
        CompletableFuture<Void> second = waiting.lock();
        Thread.sleep(500);
        assertFalse(second.isDone(), server.name() + ": the Mutex waits for the Lock service holder");
        get(c.lock().unlock(got.getKey()));
        second.get(10, TimeUnit.SECONDS);
        assertTrue(waiting.revision() > 0);
        get(waiting.unlock());
      }
    }
  }

  @Test
  void electionCampaignProclaimObserveResign() throws Exception {
    for (Endpoint server : servers()) {
      try (Client c = ClientFixture.client(server);
           Session s1 = Session.create(c, 10);
           Session s2 = Session.create(c, 10)) {
        List<String> observed = new CopyOnWriteArrayList<>();
        Election first = new Election(s1, bs("el"));
        get(first.campaign(bs("one")));
        try (AutoCloseable obs = Election.observe(c, bs("el"), kv -> observed.add(kv.getValue().toStringUtf8()))) {
          Election second = new Election(s2, bs("el"));
          CompletableFuture<Void> waiting = second.campaign(bs("two"));
          Thread.sleep(500);
          assertFalse(waiting.isDone(), server.name());
          KeyValue leader = get(first.leader());
          assertEquals("one", leader.getValue().toStringUtf8());
          // the server's Election service sees the same leader
          assertEquals("one", get(c.election().leader(bs("el"))).getKv().getValue().toStringUtf8());
          get(first.proclaim(bs("one-b")));
          ExecutionException notLeader = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
              () -> second.proclaim(bs("x")).get(10, TimeUnit.SECONDS));
          assertEquals(Election.NOT_LEADER, EtcdException.of(notLeader).getMessage());
          get(first.resign());
          waiting.get(10, TimeUnit.SECONDS);
          assertEquals("two", get(second.leader()).getValue().toStringUtf8());
          ClientFixture.waitUntil(() -> observed.size() >= 3, 10_000);
          assertEquals(List.of("one", "one-b", "two"), observed, server.name());
          get(second.resign());
          ExecutionException none = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
              () -> second.leader().get(10, TimeUnit.SECONDS));
          assertEquals(Election.NO_LEADER, EtcdException.of(none).getMessage());
        }
      }
    }
  }

  /** The server-side Election service through the client: campaign, observe, proclaim, resign. */
  @Test
  void electionServiceThroughTheClient() throws Exception {
    for (Endpoint server : servers()) {
      try (Client c = ClientFixture.client(server);
           Session s1 = Session.create(c, 10);
           Session s2 = Session.create(c, 10)) {
        List<String> observed = new CopyOnWriteArrayList<>();
        io.ketch.api.v3electionpb.LeaderKey first =
            get(c.election().campaign(bs("svc-el"), s1.leaseId(), bs("a"))).getLeader();
        CompletableFuture<io.ketch.client.EtcdException> failed = new CompletableFuture<>();
        try (AutoCloseable obs = c.election().observe(bs("svc-el"), new io.ketch.client.Election.ObserveListener() {
          @Override
          public void onLeader(io.ketch.api.v3electionpb.LeaderResponse r) {
            observed.add(r.getKv().getValue().toStringUtf8());
          }

          @Override
          public void onError(io.ketch.client.EtcdException e) {
            failed.complete(e);
          }
        })) {
          // the observation is under way once it reported the current leader
          ClientFixture.waitUntil(() -> !observed.isEmpty() || failed.isDone(), 10_000);
          assertEquals(List.of("a"), observed, server.name() + " " + failed.getNow(null));
          CompletableFuture<io.ketch.api.v3electionpb.CampaignResponse> second =
              c.election().campaign(bs("svc-el"), s2.leaseId(), bs("b"));
          Thread.sleep(500);
          assertFalse(second.isDone(), server.name());
          get(c.election().proclaim(first, bs("a2")));
          assertEquals("a2", get(c.election().leader(bs("svc-el"))).getKv().getValue().toStringUtf8());
          get(c.election().resign(first));
          io.ketch.api.v3electionpb.LeaderKey next = second.get(10, TimeUnit.SECONDS).getLeader();
          assertEquals("svc-el/" + Long.toHexString(s2.leaseId()), next.getKey().toStringUtf8());
          ClientFixture.waitUntil(() -> observed.size() >= 3, 10_000);
          assertEquals(List.of("a", "a2", "b"), observed, server.name() + " " + failed.getNow(null));
          get(c.election().resign(next));
        }
      }
    }
  }

  /** Concurrent transfers between accounts: the total is preserved under each isolation that promises it. */
  @Test
  void stmTransfersPreserveTheTotal() throws Exception {
    for (Endpoint server : servers()) {
      for (Stm.Isolation iso : List.of(Stm.Isolation.SERIALIZABLE_SNAPSHOT, Stm.Isolation.SERIALIZABLE,
          Stm.Isolation.REPEATABLE_READS)) {
        try (Client c = ClientFixture.client(server)) {
          String pfx = "stm/" + iso + "/";
          for (int i = 0; i < 5; i++) {
            get(c.kv().put(bs(pfx + i), bs("100")));
          }
          List<Throwable> failures = ClientFixture.concurrently(4, seed -> {
            java.util.Random rnd = new java.util.Random(seed);
            for (int i = 0; i < 15; i++) {
              int from = rnd.nextInt(5);
              int to = (from + 1 + rnd.nextInt(4)) % 5;
              int amount = 1 + rnd.nextInt(10);
              Stm.run(c, iso, tx -> {
                int a = Integer.parseInt(tx.get(bs(pfx + from)).toStringUtf8());
                int b = Integer.parseInt(tx.get(bs(pfx + to)).toStringUtf8());
                tx.put(bs(pfx + from), bs(Integer.toString(a - amount)));
                tx.put(bs(pfx + to), bs(Integer.toString(b + amount)));
              });
            }
          });
          assertEquals(List.of(), failures);
          int total = 0;
          for (KeyValue kv : get(c.kv().get(bs(pfx), GetOption.builder().withPrefix().build())).getKvsList()) {
            total += Integer.parseInt(kv.getValue().toStringUtf8());
          }
          assertEquals(500, total, server.name() + " " + iso);
        }
      }
    }
  }

  /** A session's close revokes its lease: its lock is released at once. */
  @Test
  void closingTheSessionReleasesItsLock() throws Exception {
    for (Endpoint server : servers()) {
      try (Client c = ClientFixture.client(server); Session waiter = Session.create(c, 10)) {
        Session holder = Session.create(c, 60);
        get(new Mutex(holder, bs("sess")).lock());
        CompletableFuture<Void> next = new Mutex(waiter, bs("sess")).lock();
        Thread.sleep(300);
        assertFalse(next.isDone());
        holder.close();
        next.get(10, TimeUnit.SECONDS);
        assertTrue(holder.done().isDone());
        assertEquals(0, get(c.kv().txn().If(Cmp.createRevision(bs("sess/" + Long.toHexString(holder.leaseId()))).equal(0))
            .commit()).getSucceeded() ? 0 : 1);
      }
    }
  }
}
