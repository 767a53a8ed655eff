package io.ketch.server.auth;

import java.util.HashMap;
import java.util.Map;

/**
 * What each client RPC needs while auth is enabled: the one table every call is checked against
 * ({@link Authorizer}). A method missing here is refused, so a new RPC cannot skip the check; a test
 * walks the services' descriptors and fails the build for any method without an entry.
 *
 * <p>etcd skipped the check on some RPCs (MemberList, Alarm, the lease APIs and Compact among them,
 * CVE-2026-33413); here they all need a user, and those that change or reveal the cluster need root.
 */
public final class RpcAccess {
  /** What a method requires. */
  public enum Need {
    /** Anyone, with or without a token: Authenticate, AuthStatus, gRPC health. */
    PUBLIC,
    /** Any authenticated user. */
    USER,
    /**
     * An authenticated user, then permission on each key range the request touches: checked by the
     * service for reads and watches, and by every member when it applies a write.
     */
    KEYS,
    /** An authenticated user; the service then checks what only the caller itself may see. */
    SELF,
    /** A user with the root role. */
    ADMIN
  }

  private static final Map<String, Need> TABLE = new HashMap<>();

  static {
    put("etcdserverpb.KV", Need.KEYS, "Range", "RangeStream", "Put", "DeleteRange", "Txn");
    put("etcdserverpb.KV", Need.ADMIN, "Compact");
    put("etcdserverpb.Watch", Need.KEYS, "Watch");
    put("etcdserverpb.Lease", Need.USER, "LeaseGrant", "LeaseKeepAlive", "LeaseLeases");
    // revoking deletes the lease's keys: write permission on each (checked when applied); the
    // keys TimeToLive lists are only those the caller may read
    put("etcdserverpb.Lease", Need.KEYS, "LeaseRevoke", "LeaseTimeToLive");
    put("etcdserverpb.Cluster", Need.USER, "MemberList");
    put("etcdserverpb.Cluster", Need.ADMIN, "MemberAdd", "MemberRemove", "MemberUpdate", "MemberPromote");
    put("etcdserverpb.Maintenance", Need.USER, "Status");
    put("etcdserverpb.Maintenance", Need.ADMIN, "Alarm", "Defragment", "Hash", "HashKV", "Snapshot", "MoveLeader",
        "Downgrade");
    put("etcdserverpb.Auth", Need.PUBLIC, "Authenticate", "AuthStatus");
    put("etcdserverpb.Auth", Need.SELF, "UserGet", "RoleGet");
    put("etcdserverpb.Auth", Need.ADMIN, "AuthEnable", "AuthDisable", "UserAdd", "UserList", "UserDelete",
        "UserChangePassword", "UserGrantRole", "UserRevokeRole", "RoleAdd", "RoleList", "RoleDelete",
        "RoleGrantPermission", "RoleRevokePermission");
    put("v3lockpb.Lock", Need.KEYS, "Lock", "Unlock");
    put("v3electionpb.Election", Need.KEYS, "Campaign", "Proclaim", "Leader", "Observe", "Resign");
    put("grpc.health.v1.Health", Need.PUBLIC, "Check", "Watch", "List");
  }

  private RpcAccess() {}

  private static void put(String service, Need need, String... methods) {
    for (String m : methods) {
      TABLE.put(service + "/" + m, need);
    }
  }

  /** What the method with this full gRPC name needs; null when it has no entry (then it is refused). */
  public static Need of(String fullMethodName) {
    return TABLE.get(fullMethodName);
  }
}
