package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.failure;
import static io.ketch.it.ClientFixture.get;
import static io.ketch.it.ClientFixture.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketch.client.Client;
import io.ketch.client.Lease;
import io.ketch.client.LeaseLostException;
import io.ketch.client.options.PutOption;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * ketch-client's Lease against etcd and Ketch: unary calls, keepalives of many leases on one
 * stream, and the listener told when a lease is lost (revoked, or cut off longer than its TTL),
 * while a short cut is ridden out.
 */
class ClientLeaseTest extends EtcdAndKetch {
  /** Counts renewals and records a loss. */
  static final class KeepAliveRecorder implements Lease.KeepAliveListener {
    final AtomicInteger renewals = new AtomicInteger();
    final CompletableFuture<LeaseLostException> lost = new CompletableFuture<>();

    @Override
    public void onKeepAlive(LeaseKeepAliveResponse r) {
      renewals.incrementAndGet();
    }

    @Override
    public void onLost(LeaseLostException e) {
      lost.complete(e);
    }
  }

  @Test
  void unaryCalls() throws Exception {
    Map<String, String> t = ClientFixture.runOn(servers(), c -> {
      StringBuilder out = new StringBuilder();
      Lease lease = c.lease();
      out.append(text(get(lease.grant(600, 0x1000)))).append('\n');
      out.append(failure(lease.grant(600, 0x1000))).append('\n');
      out.append(failure(lease.grant(9_000_000_001L))).append('\n');
      get(c.kv().put(bs("ls/a"), bs("1"), PutOption.builder().withLease(0x1000).build()));
      get(c.kv().put(bs("ls/b"), bs("2"), PutOption.builder().withLease(0x1000).build()));
      LeaseTimeToLiveResponse ttl = get(lease.timeToLive(0x1000, true));
      assertEquals(600, ttl.getGrantedTTL());
      assertTrue(ttl.getTTL() > 590);
      out.append(ttl.getKeysList().stream().map(k -> k.toStringUtf8()).sorted().toList()).append('\n');
      out.append(get(lease.leases()).getLeasesList().stream().anyMatch(l -> l.getID() == 0x1000)).append('\n');
      LeaseKeepAliveResponse once = get(lease.keepAliveOnce(0x1000));
      out.append(once.getID()).append(' ').append(once.getTTL()).append('\n');
      out.append(text(get(lease.revoke(0x1000)).toBuilder().clearHeader())).append('\n');
      out.append(failure(lease.revoke(0x1000))).append('\n');
      out.append(get(lease.timeToLive(0x1000, false)).getTTL()).append('\n');
      out.append(get(lease.keepAliveOnce(0x1000)).getTTL()).append('\n');
      out.append(get(c.kv().get(bs("ls/a"))).getCount()).append('\n');
      return out.toString();
    });
    assertEquals(t.get("etcd"), t.get("ketch"));
  }

  @Test
  void keepAliveRenewsManyLeasesAndReportsRevocation() throws Exception {
    for (Endpoint server : servers()) {
      long[] ids = new long[5];
      try (Client c = ClientFixture.client(server)) {
        KeepAliveRecorder[] recorders = new KeepAliveRecorder[5];
        for (int i = 0; i < 5; i++) {
          ids[i] = get(c.lease().grant(2)).getID();
          recorders[i] = new KeepAliveRecorder();
          c.lease().keepAlive(ids[i], recorders[i]);
        }
        Thread.sleep(4500);
        for (int i = 0; i < 5; i++) {
          assertTrue(get(c.lease().timeToLive(ids[i], false)).getTTL() > 0, server.name() + " lease alive after 2xTTL");
          assertTrue(recorders[i].renewals.get() >= 4, server.name() + " renewed at TTL/3: " + recorders[i].renewals);
          assertFalse(recorders[i].lost.isDone());
        }
        get(c.lease().revoke(ids[0]));
        LeaseLostException e = recorders[0].lost.get(5, TimeUnit.SECONDS);
        assertEquals(ids[0], e.leaseId());
        assertFalse(recorders[1].lost.isDone());
      }
      // the client is closed: nobody renews the other leases any more, so they expire
      try (Client c = ClientFixture.client(server)) {
        long deadline = System.currentTimeMillis() + 8000;
        while (get(c.lease().timeToLive(ids[1], false)).getTTL() != -1) {
          assertTrue(System.currentTimeMillis() < deadline, server.name() + ": lease expires once not renewed");
          Thread.sleep(200);
        }
      }
    }
  }

  @Test
  void shortCutIsRiddenOutLongCutLosesTheLease() throws Exception {
    for (Endpoint server : servers()) {
      try (TcpProxy proxy = new TcpProxy(server.address());
           Client c = Client.builder().endpoints(proxy.address()).build();
           Client direct = ClientFixture.client(server)) {
        long longLease = get(c.lease().grant(10)).getID();
        long shortLease = get(c.lease().grant(3)).getID();
        KeepAliveRecorder longRec = new KeepAliveRecorder();
        KeepAliveRecorder shortRec = new KeepAliveRecorder();
        c.lease().keepAlive(longLease, longRec);
        c.lease().keepAlive(shortLease, shortRec);
        Thread.sleep(1500);
        proxy.cut();
        LeaseLostException e = shortRec.lost.get(10, TimeUnit.SECONDS);
        assertEquals(shortLease, e.leaseId(), server.name());
        proxy.restore();
        int before = longRec.renewals.get();
        Thread.sleep(4000);
        assertTrue(longRec.renewals.get() > before, server.name() + ": renewals resumed after the cut");
        assertFalse(longRec.lost.isDone(), server.name());
        assertTrue(get(direct.lease().timeToLive(longLease, false)).getTTL() > 5, server.name());
      }
    }
  }
}
