package io.ketch.client;

import com.google.protobuf.ByteString;
import io.ketch.api.authpb.Permission;
import io.ketch.api.etcdserverpb.AuthDisableResponse;
import io.ketch.api.etcdserverpb.AuthEnableResponse;
import io.ketch.api.etcdserverpb.AuthRoleAddResponse;
import io.ketch.api.etcdserverpb.AuthRoleDeleteResponse;
import io.ketch.api.etcdserverpb.AuthRoleGetResponse;
import io.ketch.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.ketch.api.etcdserverpb.AuthRoleListResponse;
import io.ketch.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.ketch.api.etcdserverpb.AuthStatusResponse;
import io.ketch.api.etcdserverpb.AuthUserAddResponse;
import io.ketch.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.ketch.api.etcdserverpb.AuthUserDeleteResponse;
import io.ketch.api.etcdserverpb.AuthUserGetResponse;
import io.ketch.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.ketch.api.etcdserverpb.AuthUserListResponse;
import io.ketch.api.etcdserverpb.AuthUserRevokeRoleResponse;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Auth service: users, roles and key-range permissions. Reads (status, get, list) are
 * repeatable; every change is sent once.
 */
public interface Auth {
  /** Turns authentication on (a {@code root} user with the {@code root} role must exist). */
  CompletableFuture<AuthEnableResponse> enable();

  /** Turns authentication off. */
  CompletableFuture<AuthDisableResponse> disable();

  /** Whether authentication is on, and the auth revision. Repeatable. */
  CompletableFuture<AuthStatusResponse> status();

  /** Adds a user with a password. */
  CompletableFuture<AuthUserAddResponse> userAdd(String name, String password);

  /** A user's roles. Repeatable. */
  CompletableFuture<AuthUserGetResponse> userGet(String name);

  /** Every user's name. Repeatable. */
  CompletableFuture<AuthUserListResponse> userList();

  /** Deletes a user. */
  CompletableFuture<AuthUserDeleteResponse> userDelete(String name);

  /** Sets a user's password. */
  CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(String name, String password);

  /** Gives a user a role. */
  CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(String user, String role);

  /** Takes a role from a user. */
  CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(String user, String role);

  /** Adds a role. */
  CompletableFuture<AuthRoleAddResponse> roleAdd(String name);

  /** A role's permissions. Repeatable. */
  CompletableFuture<AuthRoleGetResponse> roleGet(String name);

  /** Every role's name. Repeatable. */
  CompletableFuture<AuthRoleListResponse> roleList();

  /** Deletes a role. */
  CompletableFuture<AuthRoleDeleteResponse> roleDelete(String name);

  /**
   * Grants a role {@code type} access to {@code [key, rangeEnd)} (empty range end: the key alone;
   * a single zero byte: every key from {@code key} on).
   */
  CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(String role, ByteString key,
      ByteString rangeEnd, Permission.Type type);

  /** Revokes a role's permission on exactly {@code [key, rangeEnd)}. */
  CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(String role, ByteString key,
      ByteString rangeEnd);
}
