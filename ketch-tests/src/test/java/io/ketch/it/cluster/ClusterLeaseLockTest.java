package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.ketch.client.Client;
import io.ketch.client.Lease;
import io.ketch.client.LeaseLostException;
import io.ketch.client.concurrency.Mutex;
import io.ketch.client.concurrency.Session;
import io.ketch.client.options.PutOption;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Leases and locks across leader changes (issue: cluster, item 4): keepalives sent to a follower
 * reach the leader, and a lease kept alive is never revoked when the leader dies; a new leader
 * counts down from the checkpointed remaining TTL, not from the full TTL; a lock held through a
 * follower stays held, and passes on when released.
 */
class ClusterLeaseLockTest {
  private static final String[] FLAGS = {"--election-timeout", "500", "--heartbeat-interval", "50",
      "--experimental-lease-checkpoint-interval", "1s"};

  @Test
  void keptAliveLeasesSurviveLeaderCrashesAndNewLeadersHonourCheckpoints() throws Exception {
    try (KetchCluster cluster = KetchCluster.start(3, 3, FLAGS)) {
      int leader = cluster.awaitLeader(60_000);
      int follower = leader == 1 ? 2 : 1;
      try (Client client = Client.builder().endpoints(cluster.member(follower).address()).build()) {
        long kept = client.lease().grant(3).get(10, TimeUnit.SECONDS).getID();
        long counted = client.lease().grant(30).get(10, TimeUnit.SECONDS).getID();
        client.kv().put(RegisterWorkload.bs("held"), RegisterWorkload.bs("1"), PutOption.builder().withLease(kept).build())
            .get(10, TimeUnit.SECONDS);
        AtomicReference<LeaseLostException> lost = new AtomicReference<>();
        try (Lease.KeepAlive ka = client.lease().keepAlive(kept, new Lease.KeepAliveListener() {
          @Override
          public void onKeepAlive(LeaseKeepAliveResponse r) {}

          @Override
          public void onLost(LeaseLostException e) {
            lost.set(e);
          }
        })) {
          KetchCluster.sleep(6_000); // the 30 s lease is checkpointed meanwhile (every second)
          cluster.member(leader).kill();
          cluster.awaitLeader(30_000, java.util.List.of(follower, 6 - leader - follower));
          long remaining = client.lease().timeToLive(counted, false).get(10, TimeUnit.SECONDS).getTTL();
          assertTrue(remaining > 0 && remaining <= 25, "a new leader counts down from the checkpoint (30 s lease, "
              + "6 s in): " + remaining);
          KetchCluster.sleep(6_000); // twice the TTL of the kept lease, through the election
          assertEquals(null, lost.get(), "a lease whose keepalives went on was revoked");
          assertTrue(client.lease().timeToLive(kept, false).get(10, TimeUnit.SECONDS).getTTL() > 0);
          assertEquals(1, client.kv().get(RegisterWorkload.bs("held")).get(10, TimeUnit.SECONDS).getCount());
        }
        // without keepalives the lease now expires on the new leader, and takes its key along
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (client.kv().get(RegisterWorkload.bs("held")).get(10, TimeUnit.SECONDS).getCount() > 0) {
          assertTrue(System.nanoTime() < deadline, "the lease never expired after its keepalives stopped");
          KetchCluster.sleep(200);
        }
        assertEquals(-1, client.lease().timeToLive(kept, false).get(10, TimeUnit.SECONDS).getTTL());
      }
    }
  }

  @Test
  void aLockHeldThroughAFollowerStaysHeldWhenTheLeaderChanges() throws Exception {
    try (KetchCluster cluster = KetchCluster.start(3, 3, FLAGS)) {
      int leader = cluster.awaitLeader(60_000);
      int a = leader == 1 ? 2 : 1;
      int b = 6 - leader - a;
      try (Client holderClient = Client.builder().endpoints(cluster.member(a).address()).build();
          Client otherClient = Client.builder().endpoints(cluster.member(b).address()).build();
          Session holder = Session.create(holderClient, 5);
          Session other = Session.create(otherClient, 5)) {
        Mutex held = new Mutex(holder, RegisterWorkload.bs("locks/job"));
        held.lock().get(10, TimeUnit.SECONDS);
        cluster.member(leader).kill();
        cluster.awaitLeader(30_000, java.util.List.of(a, b));
        KetchCluster.sleep(6_000); // past the session TTL: its keepalives must have carried on
        Mutex waiting = new Mutex(other, RegisterWorkload.bs("locks/job"));
        CompletionException busy = assertThrows(CompletionException.class, () -> waiting.tryLock().join());
        assertTrue(busy.getCause() instanceof Mutex.LockedException, busy.toString());
        held.unlock().get(10, TimeUnit.SECONDS);
        waiting.lock().get(10, TimeUnit.SECONDS);
        waiting.unlock().get(10, TimeUnit.SECONDS);
      }
    }
  }
}
