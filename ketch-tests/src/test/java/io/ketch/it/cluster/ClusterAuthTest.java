package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.ketch.api.authpb.Permission;
import io.ketch.api.etcdserverpb.AuthEnableRequest;
import io.ketch.api.etcdserverpb.AuthGrpc;
import io.ketch.api.etcdserverpb.AuthRoleAddRequest;
import io.ketch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.ketch.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.ketch.api.etcdserverpb.AuthUserAddRequest;
import io.ketch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.ketch.api.etcdserverpb.AuthenticateRequest;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Auth across a 3-member cluster: users, roles and auth enabled on one member hold on all; a token
 * from one member is accepted by the others (it went through the log); a permission revoked through
 * one member stops the very next write through another (each member checks a write when it applies
 * it, against the auth state at that point of the log), with nothing written.
 */
class ClusterAuthTest {
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  @Test
  void authStateAndTokensHoldOnEveryMemberInLogOrder() {
    try (KetchCluster cluster = KetchCluster.start(3, 3, "--election-timeout", "500", "--heartbeat-interval", "50")) {
      cluster.awaitConverged(60_000);
      List<ManagedChannel> channels = new ArrayList<>();
      try {
        for (int i = 1; i <= 3; i++) {
          channels.add(cluster.member(i).channel());
        }
        AuthGrpc.AuthBlockingStub a1 = auth(channels.get(0));
        a1.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
        a1.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
        a1.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
        a1.userAdd(AuthUserAddRequest.newBuilder().setName("app").setPassword("apppw").build());
        a1.roleAdd(AuthRoleAddRequest.newBuilder().setName("rw").build());
        a1.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("rw").setPerm(Permission.newBuilder()
            .setPermType(Permission.Type.READWRITE).setKey(bs("/app/")).setRangeEnd(bs("/app0"))).build());
        a1.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("app").setRole("rw").build());
        a1.authEnable(AuthEnableRequest.getDefaultInstance());

        // a token taken on member 1 works on members 2 and 3
        String appToken = auth(channels.get(0)).authenticate(AuthenticateRequest.newBuilder().setName("app")
            .setPassword("apppw").build()).getToken();
        for (int i = 0; i < 3; i++) {
          kv(channels.get(i), appToken).put(PutRequest.newBuilder().setKey(bs("/app/" + i)).setValue(bs("v")).build());
        }
        String rootToken = auth(channels.get(2)).authenticate(AuthenticateRequest.newBuilder().setName("root")
            .setPassword("rootpw").build()).getToken();

        // revoked through member 3: the next write through member 2 is refused, and nothing was written
        auth(channels.get(2), rootToken).roleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder()
            .setRole("rw").setKey(bs("/app/")).setRangeEnd(bs("/app0")).build());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> kv(channels.get(1), appToken)
            .put(PutRequest.newBuilder().setKey(bs("/app/late")).setValue(bs("v")).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        for (int i = 0; i < 3; i++) {
          assertEquals(3, kv(channels.get(i), rootToken).range(RangeRequest.newBuilder().setKey(bs("/app/"))
              .setRangeEnd(bs("/app0")).build()).getCount(), "keys under /app/ on m" + (i + 1));
          StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> KVGrpc.newBlockingStub(
              channels.get(0)).withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
              .setKey(bs("/app/0")).build()));
          assertEquals("etcdserver: user name is empty", none.getStatus().getDescription());
        }
      } finally {
        channels.forEach(ManagedChannel::shutdownNow);
      }
    }
  }

  private static Channel as(Channel ch, String token) {
    Metadata md = new Metadata();
    md.put(TOKEN, token);
    return ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  private static KVGrpc.KVBlockingStub kv(Channel ch, String token) {
    return KVGrpc.newBlockingStub(as(ch, token)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static AuthGrpc.AuthBlockingStub auth(Channel ch) {
    return AuthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static AuthGrpc.AuthBlockingStub auth(Channel ch, String token) {
    return AuthGrpc.newBlockingStub(as(ch, token)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
