package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.failure;
import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.api.authpb.Permission;
import io.ketch.api.etcdserverpb.Member;
import io.ketch.api.etcdserverpb.MemberAddResponse;
import io.ketch.api.etcdserverpb.MemberListResponse;
import io.ketch.api.etcdserverpb.StatusResponse;
import io.ketch.client.Client;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.KeyRange;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ketch-client's Maintenance, Cluster and Auth clients and its endpoint failover, on etcd and on
 * Ketch (Auth with one-second tokens, so the client's renewal on "invalid auth token" is exercised).
 */
class ClientAdminTest extends EtcdAndKetch {
  @Test
  void statusOnBoth() throws Exception {
    for (Endpoint server : servers()) {
      try (Client c = ClientFixture.client(server)) {
        get(c.kv().put(bs("st"), bs("1")));
        StatusResponse s = get(c.maintenance().status(server.address()));
        assertTrue(s.getVersion().startsWith("3."), server.name() + " " + s.getVersion());
        assertTrue(s.getDbSize() > 0);
        assertEquals(s.getHeader().getMemberId(), s.getLeader(), server.name() + ": a single member leads");
        assertTrue(s.getRaftIndex() > 0);
      }
    }
  }

  @Test
  void maintenanceOnEtcdAndPartlyOnKetch() throws Exception {
    try (Client c = ClientFixture.client(etcd)) {
      get(c.kv().put(bs("m"), bs("1")));
      assertEquals(0, get(c.maintenance().alarms()).getAlarmsCount());
      long rev = get(c.kv().get(bs("m"))).getHeader().getRevision();
      assertEquals(get(c.maintenance().hashKV(etcd.address(), rev)).getHash(),
          get(c.maintenance().hashKV(etcd.address(), rev)).getHash());
      assertTrue(get(c.maintenance().hash(etcd.address())).getHash() != 0);
      get(c.maintenance().defragment(etcd.address()));
      ByteArrayOutputStream snap = new ByteArrayOutputStream();
      long n = get(c.maintenance().snapshot(etcd.address(), snap));
      assertEquals(n, snap.size());
      assertTrue(n > 4096, "a whole backend: " + n);
    }
    try (Client c = ClientFixture.client(ketch)) {
      get(c.kv().put(bs("m"), bs("1")));
      long rev = get(c.kv().get(bs("m"))).getHeader().getRevision();
      assertEquals(get(c.maintenance().hashKV(ketch.address(), rev)).getHash(),
          get(c.maintenance().hashKV(ketch.address(), 0)).getHash());
      assertEquals(rev, get(c.maintenance().hash(ketch.address())).getHeader().getRevision());
      assertEquals(rev, get(c.maintenance().defragment(ketch.address())).getHeader().getRevision());
      assertEquals("1", get(c.kv().get(bs("m"))).getKvs(0).getValue().toStringUtf8());
      ByteArrayOutputStream snap = new ByteArrayOutputStream();
      long n = get(c.maintenance().snapshot(ketch.address(), snap));
      assertEquals(n, snap.size());
      assertTrue(n > 4096, "a whole backend: " + n);
    }
  }

  @Test
  void membershipOnEtcdAndKetch() throws Exception {
    for (Endpoint server : servers()) {
      membership(server);
    }
  }

  private static void membership(Endpoint server) throws Exception {
    try (Client c = ClientFixture.client(server)) {
      MemberListResponse list = get(c.cluster().list(false));
      assertEquals(1, list.getMembersCount());
      String peer = "http://127.0.0.1:" + TestDirs.freePort();
      MemberAddResponse added = get(c.cluster().addLearner(List.of(peer)));
      assertTrue(added.getMember().getIsLearner());
      assertEquals(2, get(c.cluster().list(true)).getMembersCount());
      assertEquals("FAILED_PRECONDITION: etcdserver: can only promote a learner member which is in sync with leader",
          failure(c.cluster().promote(added.getMember().getID())));
      String moved = "http://127.0.0.1:" + TestDirs.freePort();
      get(c.cluster().update(added.getMember().getID(), List.of(moved)));
      Member updated = get(c.cluster().list(false)).getMembersList().stream()
          .filter(m -> m.getID() == added.getMember().getID()).findFirst().orElseThrow();
      assertEquals(List.of(moved), updated.getPeerURLsList());
      get(c.cluster().remove(added.getMember().getID()));
      assertEquals(1, get(c.cluster().list(false)).getMembersCount());
      assertEquals("NOT_FOUND: etcdserver: member not found", failure(c.cluster().remove(added.getMember().getID())),
          server.name());
    }
  }

  /**
   * Users, roles and permissions on an etcd whose tokens live 1 s: the client's token is renewed
   * transparently after it expires, and permissions are enforced.
   */
  @Test
  void authWithTokenRenewalOnEtcdAndOnKetch() throws Exception {
    try (EtcdOracle etcd = new EtcdOracle("--auth-token-ttl", "1")) {
      authWithTokenRenewal(etcd);
    }
    try (KetchNode shortTokens = new KetchNode("--auth-token-ttl", "1")) {
      authWithTokenRenewal(shortTokens);
      try (Client c = ClientFixture.client(shortTokens)) {
        assertEquals(false, get(c.auth().status()).getEnabled()); // etcd 3.5's AuthStatus: not in the 3.4 oracle
      }
    }
  }

  private static void authWithTokenRenewal(Endpoint server) throws Exception {
    try (Client admin = ClientFixture.client(server)) {
      get(admin.auth().userAdd("root", "rootpw"));
      get(admin.auth().roleAdd("root"));
      get(admin.auth().userGrantRole("root", "root"));
      get(admin.auth().userAdd("alice", "alicepw"));
      get(admin.auth().roleAdd("app"));
      get(admin.auth().roleGrantPermission("app", bs("app/"), KeyRange.prefixEnd(bs("app/")), Permission.Type.READWRITE));
      get(admin.auth().userGrantRole("alice", "app"));
      assertEquals(List.of("app"), get(admin.auth().userGet("alice")).getRolesList());
      assertEquals(List.of("alice", "root"), get(admin.auth().userList()).getUsersList());
      get(admin.auth().enable());
      assertEquals("INVALID_ARGUMENT: etcdserver: user name is empty", failure(admin.kv().get(bs("app/x"))));
      try (Client alice = Client.builder().endpoints(server.address()).credentials("alice", "alicepw").build();
           Client root = Client.builder().endpoints(server.address()).credentials("root", "rootpw").build()) {
        get(alice.kv().put(bs("app/x"), bs("1")));
        assertEquals("PERMISSION_DENIED: etcdserver: permission denied", failure(alice.kv().put(bs("other"), bs("1"))));
        Thread.sleep(3000); // the token has expired: the next call renews it
        assertEquals(1, get(alice.kv().get(bs("app/"), GetOption.builder().withPrefix().build())).getCount());
        assertEquals(1, get(root.auth().roleGet("app")).getPermCount());
        try (Client wrong = Client.builder().endpoints(server.address()).credentials("alice", "nope").build()) {
          assertEquals("INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password",
              failure(wrong.kv().get(bs("app/x"))), server.name());
        }
        get(root.auth().disable());
      }
      assertEquals(1, get(admin.kv().get(bs("app/x"))).getCount());
    }
  }

  /**
   * Two endpoints (proxies to one server): with either one cut, reads and writes keep working. A
   * write that was on its way through the cut connection fails rather than being repeated (it may
   * have been applied), so the writes start once the client has seen the connection close.
   */
  @Test
  void failsOverBetweenEndpoints() throws Exception {
    for (Endpoint server : servers()) {
      try (TcpProxy p1 = new TcpProxy(server.address());
           TcpProxy p2 = new TcpProxy(server.address());
           Client c = Client.builder().endpoints(p1.address(), "http://" + p2.address()).build()) {
        for (TcpProxy down : List.of(p1, p2)) {
          down.cut();
          Thread.sleep(300);
          for (int i = 0; i < 20; i++) {
            long rev = get(c.kv().put(bs("fo/" + i), bs("v"))).getHeader().getRevision();
            assertEquals(rev, get(c.kv().get(bs("fo/" + i))).getKvs(0).getModRevision(), server.name());
          }
          down.restore();
        }
      }
    }
  }
}
