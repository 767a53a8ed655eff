package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.ManagedChannel;
import io.ketch.api.authpb.Permission;
import io.ketch.api.etcdserverpb.AuthEnableRequest;
import io.ketch.api.etcdserverpb.AuthGrpc;
import io.ketch.api.etcdserverpb.AuthRoleAddRequest;
import io.ketch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.ketch.api.etcdserverpb.AuthUserAddRequest;
import io.ketch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.ketch.api.etcdserverpb.AuthenticateRequest;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.LeaseLeasesRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.TxnRequest;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differential suite's random KV and lease requests with auth on, sent to etcd and to Ketch as a
 * user who may read and write {@code a/}, only read {@code b/}, and nothing else: every answer,
 * every permission-denied error included, must be identical. Where Ketch is deliberately stricter
 * than etcd 3.4 (Compact needs root; LeaseTimeToLive lists only readable keys; see RpcAccess; the
 * operations of a nested txn are checked), those requests go as root on both, and a nested txn that
 * writes a forbidden key is shown refused by Ketch (and let through by etcd 3.4).
 */
class AuthKvDifferentialTest {
  private static final int OPS = 800;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {7, 20261203})
  void limitedUserAnswersAsOnEtcd(long seed) {
    try (EtcdOracle etcd = new EtcdOracle(); KetchNode ketch = new KetchNode()) {
      String etcdUser = setUp(etcd, "limited");
      String ketchUser = setUp(ketch, "limited");
      try (KvCaller etcdLimited = new KvCaller(etcd, etcdUser); KvCaller ketchLimited = new KvCaller(ketch, ketchUser);
           KvCaller etcdRoot = new KvCaller(etcd, token(etcd, "root", "rootpw"));
           KvCaller ketchRoot = new KvCaller(ketch, token(ketch, "root", "rootpw"))) {
        KvOpGenerator gen = new KvOpGenerator(seed);
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < OPS; i++) {
          Message req = gen.next();
          boolean asRoot = req instanceof CompactionRequest || req instanceof LeaseTimeToLiveRequest
              || req instanceof LeaseLeasesRequest || req instanceof TxnRequest t && nested(t);
          KvCaller.Outcome expected = (asRoot ? etcdRoot : etcdLimited).call(req);
          KvCaller.Outcome actual = (asRoot ? ketchRoot : ketchLimited).call(req);
          int n = i;
          assertEquals(expected.text(), actual.text(), () -> "seed " + seed + " request #" + n + ": "
              + req.getClass().getSimpleName() + " " + TextFormat.shortDebugString(req));
          String kind = req.getClass().getSimpleName() + (expected.ok() ? " ok" : " " + firstWords(expected.text()));
          outcomes.merge(kind, 1, Integer::sum);
          if (expected.ok()) {
            gen.rev = Math.max(gen.rev, expected.revision());
            if (req instanceof CompactionRequest c) {
              gen.compacted = c.getRevision();
            }
          }
        }
        assertTrue(outcomes.getOrDefault("PutRequest ok", 0) > 0, outcomes::toString);
        // etcd 3.4 checks nothing inside a nested txn; Ketch checks it like the outer one
        TxnRequest sneaky = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(
            TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(
                PutRequest.newBuilder().setKey(bs("x")).setValue(bs("forbidden")))))).build();
        assertEquals("ERROR PERMISSION_DENIED: etcdserver: permission denied", ketchLimited.call(sneaky).text());
        assertTrue(etcdLimited.call(sneaky).ok(), "etcd 3.4 lets a nested txn write anywhere");
        assertTrue(outcomes.keySet().stream().anyMatch(k -> k.contains("permission denied")), outcomes::toString);
      }
    }
  }

  /** Whether a txn has a txn among its operations (etcd 3.4 does not check those: see above). */
  static boolean nested(TxnRequest t) {
    return java.util.stream.Stream.concat(t.getSuccessList().stream(), t.getFailureList().stream())
        .anyMatch(RequestOp::hasRequestTxn);
  }

  private static String firstWords(String error) {
    int colon = error.indexOf(": ");
    return colon < 0 ? error : error.substring(colon + 2);
  }

  /** root (root role) and {@code user} (readwrite a/, read b/), auth on; returns the user's token. */
  static String setUp(Endpoint e, String user) {
    ManagedChannel ch = e.channel();
    try {
      AuthGrpc.AuthBlockingStub a = AuthGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
      a.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
      a.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
      a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
      a.userAdd(AuthUserAddRequest.newBuilder().setName(user).setPassword("pw").build());
      a.roleAdd(AuthRoleAddRequest.newBuilder().setName("some").build());
      a.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("some").setPerm(Permission.newBuilder()
          .setPermType(Permission.Type.READWRITE).setKey(bs("a/")).setRangeEnd(bs("a0"))).build());
      a.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("some").setPerm(Permission.newBuilder()
          .setPermType(Permission.Type.READ).setKey(bs("b/")).setRangeEnd(bs("b0"))).build());
      a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole("some").build());
      a.authEnable(AuthEnableRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow();
    }
    return token(e, user, "pw");
  }

  static String token(Endpoint e, String user, String password) {
    ManagedChannel ch = e.channel();
    try {
      return AuthGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
          .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build()).getToken();
    } finally {
      ch.shutdownNow();
    }
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
