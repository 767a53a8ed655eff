package io.ketch.it;

import static io.ketch.it.WatchSession.b;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.Compare;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseLeasesRequest;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One scripted case per lease behaviour, run against etcd and Ketch (one fresh pair for the class;
 * each case has its own lease IDs and key prefix): grants and their errors, attaching and moving
 * keys, revokes as one revision of DELETE events, keepalives, and real-time expiry seen on a watch.
 * Every response and watch event must be identical (a live lease's TTL countdown excepted).
 */
class LeaseScriptedConformanceTest {
  private static final long LONG_TTL = 600;
  private static Differential d;

  @BeforeAll
  static void start() {
    d = new Differential();
  }

  @AfterAll
  static void stop() {
    d.close();
  }

  private static LeaseGrantRequest grant(long id, long ttl) {
    return LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build();
  }

  private static LeaseRevokeRequest revoke(long id) {
    return LeaseRevokeRequest.newBuilder().setID(id).build();
  }

  private static LeaseTimeToLiveRequest ttl(long id) {
    return LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build();
  }

  private static PutRequest.Builder put(String k, String v) {
    return PutRequest.newBuilder().setKey(b(k)).setValue(b(v));
  }

  private static RangeRequest prefix(String p) {
    byte[] end = p.getBytes();
    end[end.length - 1]++;
    return RangeRequest.newBuilder().setKey(b(p)).setRangeEnd(ByteString.copyFrom(end)).build();
  }

  private static Arguments scenario(String name, WatchSession.Script script) {
    return Arguments.of(name, script);
  }

  static Stream<Arguments> scenarios() {
    List<Arguments> s = new ArrayList<>();
    s.add(scenario("grant: minimum TTL, explicit and negative IDs, duplicate, too large, the largest", w -> {
      w.kv(grant(100, -5));
      w.kv(grant(101, 0));
      w.kv(grant(102, 1));
      w.kv(grant(-7, 10));
      w.kv(grant(100, 30));
      w.kv(grant(103, 9_000_000_001L));
      w.kv(grant(104, 9_000_000_000L));
      w.kv(ttl(100));
      w.kv(ttl(104));
      for (long id : List.of(100L, 101L, 102L, -7L, 104L)) {
        w.kv(revoke(id));
      }
      w.kv(revoke(100));
      w.kv(revoke(999));
      w.kv(revoke(0));
      w.kv(ttl(999));
      w.kv(ttl(0));
    }));
    s.add(scenario("puts attach, ignore_lease keeps, another lease moves, delete detaches; LEASE compares", w -> {
      w.create(WatchCaller.prefixWatch("att/").setPrevKv(true));
      w.kv(grant(200, LONG_TTL));
      w.kv(grant(201, LONG_TTL));
      w.kv(put("att/a", "1").setLease(200).build());
      w.kv(put("att/b", "1").setLease(200).build());
      w.kv(put("att/c", "1").setLease(201).build());
      w.kv(put("att/a", "2").setIgnoreLease(true).build());
      w.kv(ttl(200));
      w.kv(put("att/b", "2").setLease(201).build());
      w.kv(ttl(200));
      w.kv(ttl(201));
      w.kv(put("att/c", "2").build());
      w.kv(DeleteRangeRequest.newBuilder().setKey(b("att/a")).build());
      w.kv(ttl(200));
      w.kv(ttl(201));
      w.kv(prefix("att/"));
      w.kv(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey(b("att/b")).setTarget(Compare.CompareTarget.LEASE)
              .setResult(Compare.CompareResult.EQUAL).setLease(201))
          .addCompare(Compare.newBuilder().setKey(b("att/c")).setTarget(Compare.CompareTarget.LEASE)
              .setResult(Compare.CompareResult.LESS).setLease(1))
          .addSuccess(RequestOp.newBuilder().setRequestPut(put("att/d", "txn").setLease(200)))
          .build());
      w.kv(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey(b("att/")).setRangeEnd(b("att0"))
              .setTarget(Compare.CompareTarget.LEASE).setResult(Compare.CompareResult.GREATER).setLease(0))
          .addFailure(RequestOp.newBuilder().setRequestPut(put("att/e", "x").setLease(777)))
          .build());
      w.kv(put("att/missing", "x").setIgnoreLease(true).build());
      w.kv(put("att/a", "x").setLease(200).setIgnoreLease(true).build());
      w.kv(put("att/a", "x").setLease(777).build());
      w.kv(revoke(201));
      w.kv(ttl(200));
      w.kv(revoke(200));
      w.kv(prefix("att/"));
      w.kv(LeaseLeasesRequest.getDefaultInstance());
    }));
    s.add(scenario("revoke deletes every attached key at one revision: one response of DELETE events", w -> {
      w.create(WatchCaller.prefixWatch("rv/"));
      w.kv(grant(300, LONG_TTL));
      w.put("rv/d", "no lease");
      for (String k : List.of("rv/c", "rv/a", "rv/b")) {
        w.kv(put(k, "v").setLease(300).build());
      }
      w.kv(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(put("rv/e", "t").setLease(300)))
          .build());
      w.kv(revoke(300));
      w.kv(prefix("rv/"));
      w.kv(revoke(300));
    }));
    s.add(scenario("keepalive: live leases answer their TTL, unknown IDs TTL 0", w -> {
      w.kv(grant(400, LONG_TTL));
      w.kv(grant(401, 1));
      w.keepAlive(400, 999, 0, 401, 400);
      w.kv(revoke(401));
      w.keepAlive(401);
      w.kv(revoke(400));
    }));
    s.add(scenario("expiry: keys of a 2 s lease are deleted together, seen on a watch", w -> {
      w.create(WatchCaller.prefixWatch("exp/").setPrevKv(true));
      w.kv(grant(500, 2));
      w.kv(put("exp/a", "1").setLease(500).build());
      w.kv(put("exp/b", "1").setLease(500).build());
      w.put("exp/z", "stays");
      Thread.sleep(3500);
      w.settle();
      w.kv(ttl(500));
      w.kv(prefix("exp/"));
      w.keepAlive(500);
    }));
    s.add(scenario("keepalives keep a 2 s lease past its TTL; it expires once they stop", w -> {
      w.create(WatchCaller.prefixWatch("ka/"));
      w.kv(grant(600, 2));
      w.kv(put("ka/k", "v").setLease(600).build());
      for (int i = 0; i < 8; i++) {
        Thread.sleep(500);
        w.keepAlive(600);
      }
      w.kv(prefix("ka/"));
      Thread.sleep(3500);
      w.settle();
      w.kv(prefix("ka/"));
    }));
    return s.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void sameAsEtcd(String name, WatchSession.Script script) throws Exception {
    WatchSession.compare(d, name, script);
  }
}
