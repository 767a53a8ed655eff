package io.ketch.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.grpc.health.v1.HealthProto;
import io.ketch.api.etcdserverpb.RpcProto;
import io.ketch.api.v3electionpb.V3ElectionProto;
import io.ketch.api.v3lockpb.V3LockProto;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every RPC of every service Ketch serves, as the proto descriptors list them, has an entry in the
 * authorization table: a new RPC without one fails this test (and would be refused while serving).
 */
class RpcAccessTest {
  private static final List<FileDescriptor> SERVED = List.of(RpcProto.getDescriptor(), V3LockProto.getDescriptor(),
      V3ElectionProto.getDescriptor(), HealthProto.getDescriptor());

  @Test
  void everyRpcHasAnEntry() {
    List<String> missing = new ArrayList<>();
    int methods = 0;
    for (FileDescriptor f : SERVED) {
      for (ServiceDescriptor s : f.getServices()) {
        for (MethodDescriptor m : s.getMethods()) {
          methods++;
          if (RpcAccess.of(s.getFullName() + "/" + m.getName()) == null) {
            missing.add(s.getFullName() + "/" + m.getName());
          }
        }
      }
    }
    assertEquals(List.of(), missing, "RPCs without an entry in RpcAccess");
    assertTrue(methods >= 50, "the descriptors list etcd's RPCs: " + methods);
  }

  @Test
  void managementNeedsRootAndOnlyLoginIsPublic() {
    assertEquals(RpcAccess.Need.ADMIN, RpcAccess.of("etcdserverpb.KV/Compact"));
    assertEquals(RpcAccess.Need.ADMIN, RpcAccess.of("etcdserverpb.Maintenance/Alarm"));
    assertEquals(RpcAccess.Need.ADMIN, RpcAccess.of("etcdserverpb.Cluster/MemberAdd"));
    assertEquals(RpcAccess.Need.USER, RpcAccess.of("etcdserverpb.Cluster/MemberList"));
    assertEquals(RpcAccess.Need.PUBLIC, RpcAccess.of("etcdserverpb.Auth/Authenticate"));
    for (FileDescriptor f : SERVED) {
      for (ServiceDescriptor s : f.getServices()) {
        for (MethodDescriptor m : s.getMethods()) {
          String name = s.getFullName() + "/" + m.getName();
          if (RpcAccess.of(name) == RpcAccess.Need.PUBLIC) {
            assertTrue(name.startsWith("grpc.health.v1.Health/") || name.equals("etcdserverpb.Auth/Authenticate")
                || name.equals("etcdserverpb.Auth/AuthStatus"), name + " is public");
          }
        }
      }
    }
  }
}
