package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.ketch.api.authpb.Permission;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AuthEnableRequest;
import io.ketch.api.etcdserverpb.AuthGrpc;
import io.ketch.api.etcdserverpb.AuthRoleAddRequest;
import io.ketch.api.etcdserverpb.AuthRoleDeleteRequest;
import io.ketch.api.etcdserverpb.AuthRoleGetRequest;
import io.ketch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.ketch.api.etcdserverpb.AuthRoleListRequest;
import io.ketch.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.ketch.api.etcdserverpb.AuthDisableRequest;
import io.ketch.api.etcdserverpb.AuthUserAddRequest;
import io.ketch.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.ketch.api.etcdserverpb.AuthUserDeleteRequest;
import io.ketch.api.etcdserverpb.AuthUserGetRequest;
import io.ketch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.ketch.api.etcdserverpb.AuthUserListRequest;
import io.ketch.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.ketch.api.etcdserverpb.AuthenticateRequest;
import io.ketch.api.etcdserverpb.ClusterGrpc;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.DefragmentRequest;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.DowngradeRequest;
import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.HashRequest;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.ketch.api.etcdserverpb.LeaseLeasesRequest;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.MemberAddRequest;
import io.ketch.api.etcdserverpb.MemberListRequest;
import io.ketch.api.etcdserverpb.MemberPromoteRequest;
import io.ketch.api.etcdserverpb.MemberRemoveRequest;
import io.ketch.api.etcdserverpb.MemberUpdateRequest;
import io.ketch.api.etcdserverpb.MoveLeaderRequest;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RequestOp;
import io.ketch.api.etcdserverpb.SnapshotRequest;
import io.ketch.api.etcdserverpb.StatusRequest;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchGrpc;
import io.ketch.api.etcdserverpb.WatchRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.v3electionpb.CampaignRequest;
import io.ketch.api.v3electionpb.ElectionGrpc;
import io.ketch.api.v3electionpb.LeaderKey;
import io.ketch.api.v3electionpb.LeaderRequest;
import io.ketch.api.v3electionpb.ProclaimRequest;
import io.ketch.api.v3electionpb.ResignRequest;
import io.ketch.api.v3lockpb.LockGrpc;
import io.ketch.api.v3lockpb.LockRequest;
import io.ketch.api.v3lockpb.UnlockRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * With auth enabled, every RPC of every service is refused without a token, with an expired token,
 * and (for those that need more than a user) as a user without the permission it needs; and after
 * all those attempts nothing changed: keys, users, roles, members, leases and alarms are as before.
 * The list of calls covers the table in {@code RpcAccess}; a call that succeeded where it should
 * have been refused fails the test with its name.
 */
class AuthEveryRpcTest {
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  @Test
  void everyRpcIsRefusedWithoutTheRightCredentials() throws Exception {
    try (KetchNode node = new KetchNode("--auth-token-ttl", "1")) {
      ManagedChannel ch = ManagedChannelBuilder.forTarget(node.address()).usePlaintext().build();
      try {
        setUp(ch);
        Channel root = as(ch, token(ch, "root", "rootpw"));
        long lease = LeaseGrpc.newBlockingStub(root).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(600).build())
            .getID();
        KVGrpc.newBlockingStub(root).put(PutRequest.newBuilder().setKey(bs("/other/k")).setValue(bs("v"))
            .setLease(lease).build());
        String state = state(root);

        String expired = token(ch, "limited", "lpw");
        Thread.sleep(2_500); // --auth-token-ttl 1: unused for longer, it expired
        Map<String, Consumer<Channel>> calls = calls(lease);
        assertEquals(servedRpcs(), new java.util.TreeSet<>(calls.keySet()), "every RPC is tried");
        assertTrue(auth(ch).authStatus(io.ketch.api.etcdserverpb.AuthStatusRequest.getDefaultInstance()).getEnabled());
        List<String> failures = new ArrayList<>();
        for (var c : calls.entrySet()) {
          refused(failures, c.getKey() + " without a token", () -> c.getValue().accept(ch), null);
          refused(failures, c.getKey() + " with an expired token", () -> c.getValue().accept(as(ch, expired)),
              Status.Code.UNAUTHENTICATED);
        }
        Channel limited = as(ch, token(ch, "limited", "lpw"));
        for (String name : NEEDS_MORE_THAN_A_USER) {
          refused(failures, name + " as a user without the permission", () -> calls.get(name).accept(limited), null);
        }
        assertEquals(List.of(), failures);
        assertEquals(state, state(as(ch, token(ch, "root", "rootpw"))), "nothing changed");

        // the limited user's own prefix works (the refusals above are about permissions, not a broken token)
        KVGrpc.newBlockingStub(limited).put(PutRequest.newBuilder().setKey(bs("/own/x")).setValue(bs("1")).build());
        assertEquals(1, KVGrpc.newBlockingStub(limited).range(RangeRequest.newBuilder().setKey(bs("/own/x")).build())
            .getCount());
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void aChangedPasswordOrADeletedUserEndsItsTokensAtOnce() {
    try (KetchNode node = new KetchNode()) {
      ManagedChannel ch = ManagedChannelBuilder.forTarget(node.address()).usePlaintext().build();
      try {
        setUp(ch);
        Channel root = as(ch, token(ch, "root", "rootpw"));
        Channel limited = as(ch, token(ch, "limited", "lpw"));
        Channel other = as(ch, token(ch, "other", "opw"));
        PutRequest put = PutRequest.newBuilder().setKey(bs("/own/y")).setValue(bs("1")).build();
        kv(limited).put(put);
        kv(other).put(put);
        auth(root).userChangePassword(AuthUserChangePasswordRequest.newBuilder().setName("limited")
            .setPassword("new").build());
        auth(root).userDelete(AuthUserDeleteRequest.newBuilder().setName("other").build());
        for (Channel gone : List.of(limited, other)) {
          StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
              () -> kv(gone).put(put));
          assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
          assertEquals("etcdserver: invalid auth token", e.getStatus().getDescription());
        }
        kv(as(ch, token(ch, "limited", "new"))).put(put);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /** Calls that a user with only readwrite on /own/ may not make. */
  private static final List<String> NEEDS_MORE_THAN_A_USER = List.of("Range", "RangeStream", "Put", "DeleteRange",
      "Txn", "Compact", "Watch", "LeaseRevoke", "MemberAdd", "MemberRemove", "MemberUpdate", "MemberPromote",
      "Alarm", "Defragment", "Hash", "HashKV", "Snapshot", "MoveLeader", "Downgrade", "AuthEnable", "AuthDisable",
      "UserAdd", "UserGet", "UserList", "UserDelete", "UserChangePassword", "UserGrantRole", "UserRevokeRole",
      "RoleAdd", "RoleGet", "RoleList", "RoleDelete", "RoleGrantPermission", "RoleRevokePermission", "Lock",
      "Unlock", "Campaign", "Proclaim", "Leader", "Observe", "Resign");

  private static Map<String, Consumer<Channel>> calls(long lease) {
    Map<String, Consumer<Channel>> m = new LinkedHashMap<>();
    m.put("Range", c -> kv(c).range(RangeRequest.newBuilder().setKey(bs("/other/k")).build()));
    m.put("RangeStream", c -> kv(c).rangeStream(RangeRequest.newBuilder().setKey(bs("/other/")).build()).next());
    m.put("Put", c -> kv(c).put(PutRequest.newBuilder().setKey(bs("/other/k")).setValue(bs("changed")).build()));
    m.put("DeleteRange", c -> kv(c).deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("/other/k")).build()));
    m.put("Txn", c -> kv(c).txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(
        PutRequest.newBuilder().setKey(bs("/other/t")).setValue(bs("v")))).build()));
    m.put("Compact", c -> kv(c).compact(CompactionRequest.newBuilder().setRevision(1).build()));
    m.put("Watch", AuthEveryRpcTest::watch);
    m.put("LeaseGrant", c -> LeaseGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS)
        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()));
    m.put("LeaseRevoke", c -> LeaseGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS)
        .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build()));
    m.put("LeaseKeepAlive", c -> keepAlive(c, lease));
    m.put("LeaseTimeToLive", c -> LeaseGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS)
        .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build()));
    m.put("LeaseLeases", c -> LeaseGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS)
        .leaseLeases(LeaseLeasesRequest.getDefaultInstance()));
    m.put("MemberList", c -> cluster(c).memberList(MemberListRequest.getDefaultInstance()));
    m.put("MemberAdd", c -> cluster(c).memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:1").build()));
    m.put("MemberRemove", c -> cluster(c).memberRemove(MemberRemoveRequest.newBuilder().setID(1).build()));
    m.put("MemberUpdate", c -> cluster(c).memberUpdate(MemberUpdateRequest.newBuilder().setID(1).build()));
    m.put("MemberPromote", c -> cluster(c).memberPromote(MemberPromoteRequest.newBuilder().setID(1).build()));
    m.put("Status", c -> maintenance(c).status(StatusRequest.getDefaultInstance()));
    m.put("Alarm", c -> maintenance(c).alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
        .setAlarm(io.ketch.api.etcdserverpb.AlarmType.NOSPACE).setMemberID(1).build()));
    m.put("Defragment", c -> maintenance(c).defragment(DefragmentRequest.getDefaultInstance()));
    m.put("Hash", c -> maintenance(c).hash(HashRequest.getDefaultInstance()));
    m.put("HashKV", c -> maintenance(c).hashKV(HashKVRequest.getDefaultInstance()));
    m.put("Snapshot", c -> maintenance(c).snapshot(SnapshotRequest.getDefaultInstance()).next());
    m.put("MoveLeader", c -> maintenance(c).moveLeader(MoveLeaderRequest.newBuilder().setTargetID(1).build()));
    m.put("Downgrade", c -> maintenance(c).downgrade(DowngradeRequest.newBuilder().setVersion("3.4.0").build()));
    m.put("AuthEnable", c -> auth(c).authEnable(AuthEnableRequest.getDefaultInstance()));
    m.put("AuthDisable", c -> auth(c).authDisable(AuthDisableRequest.getDefaultInstance()));
    m.put("UserAdd", c -> auth(c).userAdd(AuthUserAddRequest.newBuilder().setName("eve").setPassword("pw").build()));
    m.put("UserGet", c -> auth(c).userGet(AuthUserGetRequest.newBuilder().setName("root").build()));
    m.put("UserList", c -> auth(c).userList(AuthUserListRequest.getDefaultInstance()));
    m.put("UserDelete", c -> auth(c).userDelete(AuthUserDeleteRequest.newBuilder().setName("other").build()));
    m.put("UserChangePassword", c -> auth(c).userChangePassword(AuthUserChangePasswordRequest.newBuilder()
        .setName("root").setPassword("stolen").build()));
    m.put("UserGrantRole", c -> auth(c).userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("limited")
        .setRole("root").build()));
    m.put("UserRevokeRole", c -> auth(c).userRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName("other")
        .setRole("own").build()));
    m.put("RoleAdd", c -> auth(c).roleAdd(AuthRoleAddRequest.newBuilder().setName("mine").build()));
    m.put("RoleGet", c -> auth(c).roleGet(AuthRoleGetRequest.newBuilder().setRole("root").build()));
    m.put("RoleList", c -> auth(c).roleList(AuthRoleListRequest.getDefaultInstance()));
    m.put("RoleDelete", c -> auth(c).roleDelete(AuthRoleDeleteRequest.newBuilder().setRole("own").build()));
    m.put("RoleGrantPermission", c -> auth(c).roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder()
        .setName("own").setPerm(Permission.newBuilder().setPermType(Permission.Type.READWRITE).setKey(bs(""))
            .setRangeEnd(bs("\0"))).build()));
    m.put("RoleRevokePermission", c -> auth(c).roleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder()
        .setRole("own").setKey(bs("/own/")).setRangeEnd(bs("/own0")).build()));
    m.put("Lock", c -> LockGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS)
        .lock(LockRequest.newBuilder().setName(bs("/other/lock")).build()));
    m.put("Unlock", c -> LockGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS)
        .unlock(UnlockRequest.newBuilder().setKey(bs("/other/k")).build()));
    LeaderKey leader = LeaderKey.newBuilder().setName(bs("/other/e")).setKey(bs("/other/k")).setLease(lease).build();
    m.put("Campaign", c -> election(c).campaign(CampaignRequest.newBuilder().setName(bs("/other/e")).setLease(lease)
        .setValue(bs("me")).build()));
    m.put("Proclaim", c -> election(c).proclaim(ProclaimRequest.newBuilder().setLeader(leader).setValue(bs("x"))
        .build()));
    m.put("Leader", c -> election(c).leader(LeaderRequest.newBuilder().setName(bs("/other/e")).build()));
    m.put("Observe", c -> election(c).observe(LeaderRequest.newBuilder().setName(bs("/other/e")).build()).next());
    m.put("Resign", c -> election(c).resign(ResignRequest.newBuilder().setLeader(leader).build()));
    return m;
  }

  /** The etcd RPCs Ketch serves, by method name, from the proto descriptors. */
  private static java.util.Set<String> servedRpcs() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (var f : List.of(io.ketch.api.etcdserverpb.RpcProto.getDescriptor(),
        io.ketch.api.v3lockpb.V3LockProto.getDescriptor(), io.ketch.api.v3electionpb.V3ElectionProto.getDescriptor())) {
      for (var service : f.getServices()) {
        for (var method : service.getMethods()) {
          names.add(method.getName());
        }
      }
    }
    names.remove("Authenticate"); // public, as in etcd: how a client gets a token
    names.remove("AuthStatus"); // public, as in etcd
    return names;
  }

  /** Users root (root role) and limited (readwrite on /own/ only), then auth on. */
  private static void setUp(ManagedChannel ch) {
    AuthGrpc.AuthBlockingStub a = auth(ch);
    a.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
    a.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
    a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
    a.userAdd(AuthUserAddRequest.newBuilder().setName("limited").setPassword("lpw").build());
    a.userAdd(AuthUserAddRequest.newBuilder().setName("other").setPassword("opw").build());
    a.roleAdd(AuthRoleAddRequest.newBuilder().setName("own").build());
    a.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("own").setPerm(Permission.newBuilder()
        .setPermType(Permission.Type.READWRITE).setKey(bs("/own/")).setRangeEnd(bs("/own0"))).build());
    a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("limited").setRole("own").build());
    a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("other").setRole("own").build());
    a.authEnable(AuthEnableRequest.getDefaultInstance());
  }

  /** Everything the refused calls could have changed, as root sees it. */
  private static String state(Channel root) {
    return kv(root).range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).build()).getKvsList()
        + "\n" + auth(root).userList(AuthUserListRequest.getDefaultInstance()).getUsersList()
        + "\n" + auth(root).roleList(AuthRoleListRequest.getDefaultInstance()).getRolesList()
        + "\n" + auth(root).roleGet(AuthRoleGetRequest.newBuilder().setRole("own").build()).getPermList()
        + "\n" + auth(root).userGet(AuthUserGetRequest.newBuilder().setName("limited").build()).getRolesList()
        + "\n" + cluster(root).memberList(MemberListRequest.getDefaultInstance()).getMembersList()
        + "\n" + maintenance(root).alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build())
            .getAlarmsList()
        + "\n" + LeaseGrpc.newBlockingStub(root).leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList()
        + "\n" + maintenance(root).status(StatusRequest.getDefaultInstance()).getHeader().getRevision();
  }

  private static void refused(List<String> failures, String what, Runnable call, Status.Code expected) {
    try {
      call.run();
      failures.add(what + ": succeeded");
    } catch (StatusRuntimeException e) {
      if (expected != null && e.getStatus().getCode() != expected) {
        failures.add(what + ": " + e.getStatus() + ", expected " + expected);
      }
    }
  }

  /** A watch's create: a refused one is answered created and cancelled (as etcd), thrown here. */
  private static void watch(Channel c) {
    Object first = firstReply(WatchGrpc.newStub(c)::watch, WatchRequest.newBuilder()
        .setCreateRequest(WatchCreateRequest.newBuilder().setKey(bs("/other/k"))).build());
    if (first instanceof WatchResponse r && r.getCanceled()) {
      throw Status.PERMISSION_DENIED.withDescription(r.getCancelReason()).asRuntimeException();
    }
  }

  private static void keepAlive(Channel c, long lease) {
    firstReply(LeaseGrpc.newStub(c)::leaseKeepAlive, LeaseKeepAliveRequest.newBuilder().setID(lease).build());
  }

  /** Opens a stream, sends {@code request}, returns the first reply; a stream error is thrown. */
  private static <Q, R> Object firstReply(java.util.function.Function<StreamObserver<R>, StreamObserver<Q>> open,
      Q request) {
    BlockingQueue<Object> got = new LinkedBlockingQueue<>();
    StreamObserver<Q> req = open.apply(new StreamObserver<>() {
      @Override
      public void onNext(R r) {
        got.add(r);
      }

      @Override
      public void onError(Throwable t) {
        got.add(t);
      }

      @Override
      public void onCompleted() {
        got.add("completed");
      }
    });
    req.onNext(request);
    try {
      Object first = got.poll(5, TimeUnit.SECONDS);
      if (first instanceof Throwable t) {
        throw Status.fromThrowable(t).asRuntimeException();
      }
      return first;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      req.onCompleted();
    }
  }

  private static String token(Channel ch, String user, String password) {
    return auth(ch).authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build())
        .getToken();
  }

  private static Channel as(Channel ch, String token) {
    Metadata md = new Metadata();
    md.put(TOKEN, token);
    return ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  private static KVGrpc.KVBlockingStub kv(Channel c) {
    return KVGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private static ClusterGrpc.ClusterBlockingStub cluster(Channel c) {
    return ClusterGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private static MaintenanceGrpc.MaintenanceBlockingStub maintenance(Channel c) {
    return MaintenanceGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private static AuthGrpc.AuthBlockingStub auth(Channel c) {
    return AuthGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ElectionGrpc.ElectionBlockingStub election(Channel c) {
    return ElectionGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
