package io.ketch.server.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.ketch.api.EtcdError;
import io.ketch.api.authpb.Permission;
import io.ketch.api.authpb.Role;
import io.ketch.api.authpb.User;
import io.ketch.api.authpb.UserAddOptions;
import io.ketch.api.etcdserverpb.AuthDisableResponse;
import io.ketch.api.etcdserverpb.AuthEnableResponse;
import io.ketch.api.etcdserverpb.AuthRoleAddRequest;
import io.ketch.api.etcdserverpb.AuthRoleAddResponse;
import io.ketch.api.etcdserverpb.AuthRoleDeleteRequest;
import io.ketch.api.etcdserverpb.AuthRoleDeleteResponse;
import io.ketch.api.etcdserverpb.AuthRoleGetRequest;
import io.ketch.api.etcdserverpb.AuthRoleGetResponse;
import io.ketch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.ketch.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.ketch.api.etcdserverpb.AuthRoleListResponse;
import io.ketch.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.ketch.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.ketch.api.etcdserverpb.AuthStatusResponse;
import io.ketch.api.etcdserverpb.AuthUserAddRequest;
import io.ketch.api.etcdserverpb.AuthUserAddResponse;
import io.ketch.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.ketch.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.ketch.api.etcdserverpb.AuthUserDeleteRequest;
import io.ketch.api.etcdserverpb.AuthUserDeleteResponse;
import io.ketch.api.etcdserverpb.AuthUserGetRequest;
import io.ketch.api.etcdserverpb.AuthUserGetResponse;
import io.ketch.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.ketch.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.ketch.api.etcdserverpb.AuthUserListResponse;
import io.ketch.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.ketch.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.ketch.api.etcdserverpb.AuthenticateResponse;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.raft.proto.AuthRequest;
import io.ketch.server.raft.proto.Authenticate;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Schema;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * etcd's auth store, replicated: whether auth is enabled, the users (bcrypt password hashes, roles)
 * and roles (key permissions), and the auth revision that every change moves on. Kept in the
 * backend's {@code auth}, {@code authUsers} and {@code authRoles} buckets as etcd keeps them (user
 * and role records as {@code authpb} messages under their names), and in memory as an immutable
 * state swapped whole on each change, with each user's merged key permissions.
 *
 * <p>Changed on the apply thread only, by requests applied in log order, so every member holds the
 * same users, roles and permissions at the same log position; read from any thread.
 */
public final class AuthStore {
  public static final String ROOT = "root";
  private static final byte[] ENABLED_KEY = "authEnabled".getBytes(StandardCharsets.UTF_8);
  private static final byte[] REVISION_KEY = "authRevision".getBytes(StandardCharsets.UTF_8);

  /** What a user may do: root, or read and write over key ranges. */
  private record Grants(boolean root, KeyPermissions read, KeyPermissions write) {}

  private record State(boolean enabled, long revision, Map<String, User> users, Map<String, Role> roles,
      Map<String, Grants> grants) {}

  private final Tokens tokens;
  private volatile State state;

  private AuthStore(Tokens tokens) {
    this.tokens = tokens;
  }

  /** The auth state stored in {@code backend}; tokens issued by Authenticate go to {@code tokens}. */
  public static AuthStore load(Backend backend, Tokens tokens) {
    AuthStore s = new AuthStore(tokens);
    s.reload(backend);
    return s;
  }

  /** Reads the state again from {@code backend} (a Raft snapshot replaced it). Apply thread. */
  public void reload(Backend backend) {
    byte[] enabled = backend.get(Schema.AUTH, ENABLED_KEY);
    byte[] revision = backend.get(Schema.AUTH, REVISION_KEY);
    Map<String, User> users = new TreeMap<>();
    Map<String, Role> roles = new TreeMap<>();
    try {
      List<byte[]> raw = new ArrayList<>();
      backend.scan(Schema.AUTH_USERS, new byte[0], null, (k, v) -> raw.add(v) || true);
      for (byte[] v : raw) {
        User u = User.parseFrom(v);
        users.put(u.getName().toStringUtf8(), u);
      }
      raw.clear();
      backend.scan(Schema.AUTH_ROLES, new byte[0], null, (k, v) -> raw.add(v) || true);
      for (byte[] v : raw) {
        Role r = Role.parseFrom(v);
        roles.put(r.getName().toStringUtf8(), r);
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt auth record in the backend", e);
    }
    boolean on = enabled != null && enabled.length == 1 && enabled[0] == 1;
    // a new store is at revision 1, as etcd's (which stores it when it first opens the backend)
    long rev = revision != null && revision.length == 8 ? ByteBuffer.wrap(revision).getLong() : 1;
    if (!on) {
      tokens.clear();
    }
    state = build(on, rev, users, roles);
  }

  public boolean enabled() {
    return state.enabled();
  }

  public long revision() {
    return state.revision();
  }

  /** The stored record of {@code name}, or null. */
  public User user(String name) {
    return state.users().get(name);
  }

  /**
   * etcd's permission check of a key range ({@code rangeEnd} as in requests): null when {@code user}
   * may {@code type} (READ or WRITE) it, or auth is off; else the error to answer.
   */
  public EtcdError checkKeys(String user, byte[] key, byte[] rangeEnd, Permission.Type type) {
    State s = state;
    if (!s.enabled()) {
      return null;
    }
    if (user == null || user.isEmpty()) {
      return EtcdError.USER_EMPTY;
    }
    Grants g = s.grants().get(user);
    if (g == null) {
      return EtcdError.PERMISSION_DENIED;
    }
    if (g.root()) {
      return null;
    }
    KeyPermissions p = type == Permission.Type.WRITE ? g.write() : g.read();
    return p.covers(key, rangeEnd) ? null : EtcdError.PERMISSION_DENIED;
  }

  /** etcd's admin check: null when {@code user} has the root role, or auth is off. */
  public EtcdError checkAdmin(String user) {
    State s = state;
    if (!s.enabled()) {
      return null;
    }
    if (user == null || user.isEmpty()) {
      return EtcdError.USER_EMPTY;
    }
    Grants g = s.grants().get(user);
    if (g == null) {
      return EtcdError.USER_NOT_FOUND;
    }
    return g.root() ? null : EtcdError.PERMISSION_DENIED;
  }

  /** A user known while auth is on (the least any RPC needs then): null when so, or auth is off. */
  public EtcdError checkUser(String user) {
    State s = state;
    if (!s.enabled()) {
      return null;
    }
    if (user == null || user.isEmpty()) {
      return EtcdError.USER_EMPTY;
    }
    return s.grants().containsKey(user) ? null : EtcdError.PERMISSION_DENIED;
  }

  /**
   * Applies an auth request made by {@code user} as etcd does: its permission check first (etcd's
   * authApplierV3: root for management; a user may get itself and roles it has; anyone may
   * authenticate and ask the status), then the request ({@code index}: its log entry's). Returns the
   * response without its header;
   * fails with etcd's error, having changed nothing, when etcd's would.
   */
  public Message apply(Backend.Batch writes, AuthRequest r, String user, long index) {
    EtcdError denied = switch (r.getRequestCase()) {
      case AUTHENTICATE, STATUS -> null;
      case USER_GET -> r.getUserGet().getName().equals(user) && checkUser(user) == null ? null : checkAdmin(user);
      case ROLE_GET -> hasRole(user, r.getRoleGet().getRole()) ? null : checkAdmin(user);
      default -> checkAdmin(user);
    };
    if (denied != null) {
      throw new EtcdException(denied);
    }
    return apply(writes, r, index);
  }

  private boolean hasRole(String user, String role) {
    User u = state.users().get(user);
    return u != null && u.getRolesList().contains(role);
  }

  private Message apply(Backend.Batch writes, AuthRequest r, long index) {
    return switch (r.getRequestCase()) {
      case ENABLE -> enable(writes);
      case DISABLE -> disable(writes);
      case STATUS -> AuthStatusResponse.newBuilder().setEnabled(state.enabled()).setAuthRevision(state.revision())
          .build();
      case AUTHENTICATE -> authenticate(r.getAuthenticate(), index);
      case USER_ADD -> userAdd(writes, r.getUserAdd());
      case USER_DELETE -> userDelete(writes, r.getUserDelete());
      case USER_CHANGE_PASSWORD -> userChangePassword(writes, r.getUserChangePassword());
      case USER_GRANT_ROLE -> userGrantRole(writes, r.getUserGrantRole());
      case USER_GET -> userGet(r.getUserGet());
      case USER_LIST -> AuthUserListResponse.newBuilder().addAllUsers(state.users().keySet()).build();
      case USER_REVOKE_ROLE -> userRevokeRole(writes, r.getUserRevokeRole());
      case ROLE_ADD -> roleAdd(writes, r.getRoleAdd());
      case ROLE_GET -> roleGet(r.getRoleGet());
      case ROLE_LIST -> AuthRoleListResponse.newBuilder().addAllRoles(state.roles().keySet()).build();
      case ROLE_DELETE -> roleDelete(writes, r.getRoleDelete());
      case ROLE_GRANT_PERMISSION -> roleGrantPermission(writes, r.getRoleGrantPermission());
      case ROLE_REVOKE_PERMISSION -> roleRevokePermission(writes, r.getRoleRevokePermission());
      case REQUEST_NOT_SET -> throw new IllegalStateException("empty auth request in log entry");
    };
  }

  private AuthEnableResponse enable(Backend.Batch writes) {
    State s = state;
    if (s.enabled()) {
      return AuthEnableResponse.getDefaultInstance();
    }
    User root = s.users().get(ROOT);
    if (root == null) {
      throw new EtcdException(EtcdError.ROOT_USER_NOT_EXIST);
    }
    if (!root.getRolesList().contains(ROOT)) {
      throw new EtcdException(EtcdError.ROOT_ROLE_NOT_EXIST);
    }
    writes.put(Schema.AUTH, ENABLED_KEY, new byte[] {1});
    state = build(true, s.revision(), s.users(), s.roles()); // as etcd: enabling leaves the revision
    return AuthEnableResponse.getDefaultInstance();
  }

  private AuthDisableResponse disable(Backend.Batch writes) {
    State s = state;
    if (s.enabled()) {
      writes.put(Schema.AUTH, ENABLED_KEY, new byte[] {0});
      commit(writes, false, s.users(), s.roles());
      tokens.clear();
    }
    return AuthDisableResponse.getDefaultInstance();
  }

  /** The token comes from the provider: a simple token's index is this entry's. */
  private AuthenticateResponse authenticate(Authenticate a, long index) {
    State s = state;
    if (!s.enabled()) {
      throw new EtcdException(EtcdError.AUTH_NOT_ENABLED);
    }
    if (!s.users().containsKey(a.getName())) {
      throw new EtcdException(EtcdError.AUTH_FAILED);
    }
    if (a.getAuthRevision() < s.revision()) {
      throw new EtcdException(EtcdError.AUTH_OLD_REVISION); // the password may have changed since
    }
    String token = tokens.assign(a.getSimpleToken(), a.getName(), s.revision(), index);
    return AuthenticateResponse.newBuilder().setToken(token == null ? "" : token).build();
  }

  private AuthUserAddResponse userAdd(Backend.Batch writes, AuthUserAddRequest r) {
    if (r.getName().isEmpty()) {
      throw new EtcdException(EtcdError.USER_EMPTY);
    }
    State s = state;
    if (s.users().containsKey(r.getName())) {
      throw new EtcdException(EtcdError.USER_ALREADY_EXIST);
    }
    UserAddOptions options = r.hasOptions() ? r.getOptions() : UserAddOptions.getDefaultInstance();
    User.Builder u = User.newBuilder().setName(ByteString.copyFromUtf8(r.getName())).setOptions(options);
    if (!options.getNoPassword()) {
      u.setPassword(ByteString.copyFromUtf8(r.getHashedPassword()));
    }
    putUser(writes, s, u.build());
    return AuthUserAddResponse.getDefaultInstance();
  }

  private AuthUserDeleteResponse userDelete(Backend.Batch writes, AuthUserDeleteRequest r) {
    State s = state;
    if (s.enabled() && r.getName().equals(ROOT)) {
      throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
    }
    existingUser(s, r.getName());
    Map<String, User> users = new TreeMap<>(s.users());
    users.remove(r.getName());
    writes.delete(Schema.AUTH_USERS, name(r.getName()));
    commit(writes, s.enabled(), users, s.roles());
    tokens.revokeUser(r.getName());
    return AuthUserDeleteResponse.getDefaultInstance();
  }

  private AuthUserChangePasswordResponse userChangePassword(Backend.Batch writes, AuthUserChangePasswordRequest r) {
    State s = state;
    User u = existingUser(s, r.getName());
    putUser(writes, s, u.toBuilder().setPassword(ByteString.copyFromUtf8(r.getHashedPassword())).build());
    tokens.revokeUser(r.getName());
    return AuthUserChangePasswordResponse.getDefaultInstance();
  }

  private AuthUserGrantRoleResponse userGrantRole(Backend.Batch writes, AuthUserGrantRoleRequest r) {
    State s = state;
    User u = existingUser(s, r.getUser());
    if (!r.getRole().equals(ROOT) && !s.roles().containsKey(r.getRole())) {
      throw new EtcdException(EtcdError.ROLE_NOT_FOUND);
    }
    List<String> roles = new ArrayList<>(u.getRolesList());
    int at = Collections.binarySearch(roles, r.getRole());
    if (at >= 0) {
      return AuthUserGrantRoleResponse.getDefaultInstance(); // granted already: nothing changes
    }
    roles.add(-at - 1, r.getRole());
    putUser(writes, s, u.toBuilder().clearRoles().addAllRoles(roles).build());
    return AuthUserGrantRoleResponse.getDefaultInstance();
  }

  private AuthUserGetResponse userGet(AuthUserGetRequest r) {
    User u = existingUser(state, r.getName());
    return AuthUserGetResponse.newBuilder().addAllRoles(u.getRolesList()).build();
  }

  private AuthUserRevokeRoleResponse userRevokeRole(Backend.Batch writes, AuthUserRevokeRoleRequest r) {
    State s = state;
    if (s.enabled() && r.getName().equals(ROOT) && r.getRole().equals(ROOT)) {
      throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
    }
    User u = existingUser(s, r.getName());
    List<String> roles = new ArrayList<>(u.getRolesList());
    if (!roles.remove(r.getRole())) {
      throw new EtcdException(EtcdError.ROLE_NOT_GRANTED);
    }
    putUser(writes, s, u.toBuilder().clearRoles().addAllRoles(roles).build());
    return AuthUserRevokeRoleResponse.getDefaultInstance();
  }

  private AuthRoleAddResponse roleAdd(Backend.Batch writes, AuthRoleAddRequest r) {
    if (r.getName().isEmpty()) {
      throw new EtcdException(EtcdError.ROLE_EMPTY);
    }
    State s = state;
    if (s.roles().containsKey(r.getName())) {
      throw new EtcdException(EtcdError.ROLE_ALREADY_EXIST);
    }
    putRole(writes, s, Role.newBuilder().setName(ByteString.copyFromUtf8(r.getName())).build());
    return AuthRoleAddResponse.getDefaultInstance();
  }

  private AuthRoleGetResponse roleGet(AuthRoleGetRequest r) {
    Role role = existingRole(state, r.getRole());
    return AuthRoleGetResponse.newBuilder().addAllPerm(role.getKeyPermissionList()).build();
  }

  private AuthRoleDeleteResponse roleDelete(Backend.Batch writes, AuthRoleDeleteRequest r) {
    State s = state;
    if (s.enabled() && r.getRole().equals(ROOT)) {
      throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
    }
    existingRole(s, r.getRole());
    Map<String, Role> roles = new TreeMap<>(s.roles());
    roles.remove(r.getRole());
    writes.delete(Schema.AUTH_ROLES, name(r.getRole()));
    Map<String, User> users = new TreeMap<>(s.users());
    for (User u : s.users().values()) {
      if (u.getRolesList().contains(r.getRole())) {
        List<String> left = new ArrayList<>(u.getRolesList());
        left.remove(r.getRole());
        User changed = u.toBuilder().clearRoles().addAllRoles(left).build();
        users.put(changed.getName().toStringUtf8(), changed);
        writes.put(Schema.AUTH_USERS, changed.getName().toByteArray(), changed.toByteArray());
      }
    }
    commit(writes, s.enabled(), users, roles);
    return AuthRoleDeleteResponse.getDefaultInstance();
  }

  private AuthRoleGrantPermissionResponse roleGrantPermission(Backend.Batch writes, AuthRoleGrantPermissionRequest r) {
    State s = state;
    Role role = existingRole(s, r.getName());
    Permission p = r.getPerm();
    List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
    int at = -1;
    for (int i = 0; i < perms.size(); i++) {
      if (perms.get(i).getKey().equals(p.getKey()) && perms.get(i).getRangeEnd().equals(p.getRangeEnd())) {
        at = i;
      }
    }
    if (at >= 0) {
      perms.set(at, perms.get(at).toBuilder().setPermType(p.getPermType()).build());
    } else {
      int i = 0;
      while (i < perms.size() && compare(perms.get(i).getKey(), p.getKey()) <= 0) {
        i++;
      }
      perms.add(i, p);
    }
    putRole(writes, s, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    return AuthRoleGrantPermissionResponse.getDefaultInstance();
  }

  private AuthRoleRevokePermissionResponse roleRevokePermission(Backend.Batch writes,
      AuthRoleRevokePermissionRequest r) {
    State s = state;
    Role role = existingRole(s, r.getRole());
    List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
    boolean removed = perms.removeIf(p -> p.getKey().equals(r.getKey()) && p.getRangeEnd().equals(r.getRangeEnd()));
    if (!removed) {
      throw new EtcdException(EtcdError.PERMISSION_NOT_GRANTED);
    }
    putRole(writes, s, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    return AuthRoleRevokePermissionResponse.getDefaultInstance();
  }

  private static User existingUser(State s, String name) {
    User u = s.users().get(name);
    if (u == null) {
      throw new EtcdException(EtcdError.USER_NOT_FOUND);
    }
    return u;
  }

  private static Role existingRole(State s, String name) {
    Role role = s.roles().get(name);
    if (role == null) {
      throw new EtcdException(EtcdError.ROLE_NOT_FOUND);
    }
    return role;
  }

  private void putUser(Backend.Batch writes, State s, User u) {
    Map<String, User> users = new TreeMap<>(s.users());
    users.put(u.getName().toStringUtf8(), u);
    writes.put(Schema.AUTH_USERS, u.getName().toByteArray(), u.toByteArray());
    commit(writes, s.enabled(), users, s.roles());
  }

  private void putRole(Backend.Batch writes, State s, Role role) {
    Map<String, Role> roles = new TreeMap<>(s.roles());
    roles.put(role.getName().toStringUtf8(), role);
    writes.put(Schema.AUTH_ROLES, role.getName().toByteArray(), role.toByteArray());
    commit(writes, s.enabled(), s.users(), roles);
  }

  /** Moves the auth revision on and makes the new state current. */
  private void commit(Backend.Batch writes, boolean enabled, Map<String, User> users, Map<String, Role> roles) {
    long revision = state.revision() + 1;
    writes.put(Schema.AUTH, REVISION_KEY, ByteBuffer.allocate(8).putLong(revision).array());
    state = build(enabled, revision, users, roles);
  }

  private static State build(boolean enabled, long revision, Map<String, User> users, Map<String, Role> roles) {
    Map<String, Grants> grants = new HashMap<>();
    for (User u : users.values()) {
      List<Permission> read = new ArrayList<>();
      List<Permission> write = new ArrayList<>();
      for (String roleName : u.getRolesList()) {
        Role role = roles.get(roleName);
        if (role == null) {
          continue;
        }
        for (Permission p : role.getKeyPermissionList()) {
          if (p.getPermType() != Permission.Type.WRITE) {
            read.add(p);
          }
          if (p.getPermType() != Permission.Type.READ) {
            write.add(p);
          }
        }
      }
      grants.put(u.getName().toStringUtf8(), new Grants(u.getRolesList().contains(ROOT), KeyPermissions.of(read),
          KeyPermissions.of(write)));
    }
    return new State(enabled, revision, Collections.unmodifiableMap(users), Collections.unmodifiableMap(roles),
        Map.copyOf(grants));
  }

  private static byte[] name(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static int compare(ByteString a, ByteString b) {
    return Arrays.compareUnsigned(a.toByteArray(), b.toByteArray());
  }
}
