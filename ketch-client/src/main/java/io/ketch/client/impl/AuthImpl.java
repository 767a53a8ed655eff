package io.ketch.client.impl;

import com.google.protobuf.ByteString;
import io.ketch.api.authpb.Permission;
import io.ketch.api.etcdserverpb.AuthDisableRequest;
import io.ketch.api.etcdserverpb.AuthDisableResponse;
import io.ketch.api.etcdserverpb.AuthEnableRequest;
import io.ketch.api.etcdserverpb.AuthEnableResponse;
import io.ketch.api.etcdserverpb.AuthGrpc;
import io.ketch.api.etcdserverpb.AuthRoleAddRequest;
import io.ketch.api.etcdserverpb.AuthRoleAddResponse;
import io.ketch.api.etcdserverpb.AuthRoleDeleteRequest;
import io.ketch.api.etcdserverpb.AuthRoleDeleteResponse;
import io.ketch.api.etcdserverpb.AuthRoleGetRequest;
import io.ketch.api.etcdserverpb.AuthRoleGetResponse;
import io.ketch.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.ketch.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.ketch.api.etcdserverpb.AuthRoleListRequest;
import io.ketch.api.etcdserverpb.AuthRoleListResponse;
import io.ketch.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.ketch.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.ketch.api.etcdserverpb.AuthStatusRequest;
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
import io.ketch.api.etcdserverpb.AuthUserListRequest;
import io.ketch.api.etcdserverpb.AuthUserListResponse;
import io.ketch.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.ketch.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.ketch.client.Auth;
import java.util.concurrent.CompletableFuture;

/** {@link Auth} over a {@link Connection}. */
public final class AuthImpl implements Auth {
  private final Connection conn;

  /** The service over {@code conn}. */
  public AuthImpl(Connection conn) {
    this.conn = conn;
  }

  @Override
  public CompletableFuture<AuthEnableResponse> enable() {
    return conn.call(AuthGrpc.getAuthEnableMethod(), AuthEnableRequest.getDefaultInstance(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthDisableResponse> disable() {
    return conn.call(AuthGrpc.getAuthDisableMethod(), AuthDisableRequest.getDefaultInstance(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthStatusResponse> status() {
    return conn.call(AuthGrpc.getAuthStatusMethod(), AuthStatusRequest.getDefaultInstance(), Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthUserAddResponse> userAdd(String name, String password) {
    return conn.call(AuthGrpc.getUserAddMethod(), AuthUserAddRequest.newBuilder().setName(name).setPassword(password).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthUserGetResponse> userGet(String name) {
    return conn.call(AuthGrpc.getUserGetMethod(), AuthUserGetRequest.newBuilder().setName(name).build(), Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthUserListResponse> userList() {
    return conn.call(AuthGrpc.getUserListMethod(), AuthUserListRequest.getDefaultInstance(), Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthUserDeleteResponse> userDelete(String name) {
    return conn.call(AuthGrpc.getUserDeleteMethod(), AuthUserDeleteRequest.newBuilder().setName(name).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(String name, String password) {
    return conn.call(AuthGrpc.getUserChangePasswordMethod(), AuthUserChangePasswordRequest.newBuilder().setName(name).setPassword(password).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(String user, String role) {
    return conn.call(AuthGrpc.getUserGrantRoleMethod(), AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole(role).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(String user, String role) {
    return conn.call(AuthGrpc.getUserRevokeRoleMethod(), AuthUserRevokeRoleRequest.newBuilder().setName(user).setRole(role).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthRoleAddResponse> roleAdd(String name) {
    return conn.call(AuthGrpc.getRoleAddMethod(), AuthRoleAddRequest.newBuilder().setName(name).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthRoleGetResponse> roleGet(String name) {
    return conn.call(AuthGrpc.getRoleGetMethod(), AuthRoleGetRequest.newBuilder().setRole(name).build(), Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthRoleListResponse> roleList() {
    return conn.call(AuthGrpc.getRoleListMethod(), AuthRoleListRequest.getDefaultInstance(), Connection.Retry.REPEATABLE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthRoleDeleteResponse> roleDelete(String name) {
    return conn.call(AuthGrpc.getRoleDeleteMethod(), AuthRoleDeleteRequest.newBuilder().setRole(name).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(String role, ByteString key, ByteString rangeEnd, Permission.Type type) {
    return conn.call(AuthGrpc.getRoleGrantPermissionMethod(), AuthRoleGrantPermissionRequest.newBuilder().setName(role).setPerm(Permission.newBuilder().setKey(key).setRangeEnd(rangeEnd).setPermType(type)).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }

  @Override
  public CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(String role, ByteString key, ByteString rangeEnd) {
    return conn.call(AuthGrpc.getRoleRevokePermissionMethod(), AuthRoleRevokePermissionRequest.newBuilder().setRole(role).setKey(key).setRangeEnd(rangeEnd).build(), Connection.Retry.ONCE, conn.requestTimeout());
  }
}
