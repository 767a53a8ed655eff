package io.ketch.server.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.stub.StreamObserver;
import io.ketch.api.EtcdError;
import io.ketch.api.authpb.User;
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
import io.ketch.api.etcdserverpb.AuthenticateRequest;
import io.ketch.api.etcdserverpb.AuthenticateResponse;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.auth.AuthStore;
import io.ketch.server.auth.FailedLogins;
import io.ketch.server.auth.Passwords;
import io.ketch.server.auth.Tokens;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.raft.RaftNode;
import io.ketch.server.raft.proto.AuthRequest;
import io.ketch.server.raft.proto.Authenticate;
import io.ketch.server.raft.proto.InternalRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * etcd's Auth service. Every request, reads included, goes through the log as etcd's do, so its
 * answer is what every member holds at that point; each member applies it with the permission
 * check of the user who made it ({@link AuthStore#apply}). Passwords never enter the log: the
 * member the client called hashes them (UserAdd, UserChangePassword) or checks them (Authenticate)
 * with bcrypt first, on the {@code hashing} executor (tens of milliseconds each, by design), and
 * proposes the hash or the new token.
 */
final class AuthService extends AuthGrpc.AuthImplBase {
  private final RaftNode raft;
  private final KvStore kv;
  private final Headers headers;
  private final AuthStore store;
  private final Tokens tokens;
  private final Passwords passwords;
  private final FailedLogins failedLogins;
  private final Executor hashing;

  AuthService(RaftNode raft, KvStore kv, Headers headers, AuthStore store, Tokens tokens, Passwords passwords,
      FailedLogins failedLogins, Executor hashing) {
    this.raft = raft;
    this.kv = kv;
    this.headers = headers;
    this.store = store;
    this.tokens = tokens;
    this.passwords = passwords;
    this.failedLogins = failedLogins;
    this.hashing = hashing;
  }

  @Override
  public void authEnable(AuthEnableRequest r, StreamObserver<AuthEnableResponse> out) {
    submit(AuthRequest.newBuilder().setEnable(r), out);
  }

  @Override
  public void authDisable(AuthDisableRequest r, StreamObserver<AuthDisableResponse> out) {
    submit(AuthRequest.newBuilder().setDisable(r), out);
  }

  @Override
  public void authStatus(AuthStatusRequest r, StreamObserver<AuthStatusResponse> out) {
    submit(AuthRequest.newBuilder().setStatus(r), out);
  }

  /**
   * Checks the password here (bcrypt, off the transport thread), then proposes the user with a new
   * token, which every member accepts once applied. Failures are counted per user
   * ({@link FailedLogins}): a user under attack is refused for a while without a password check.
   */
  @Override
  public void authenticate(AuthenticateRequest r, StreamObserver<AuthenticateResponse> out) {
    java.util.concurrent.atomic.AtomicLong checkedAt = new java.util.concurrent.atomic.AtomicLong();
    proposeAfter(() -> {
      AuthRequest request = checkPassword(r);
      checkedAt.set(request.getAuthenticate().getAuthRevision());
      return request;
    }, new StreamObserver<AuthenticateResponse>() {
      @Override
      public void onNext(AuthenticateResponse resp) {
        if (!resp.getToken().isEmpty()) {
          out.onNext(resp);
          return;
        }
        // a JWT: signed by this member only, at the auth revision the password was checked at
        // (the log refused the Authenticate if the auth state moved past it)
        try {
          out.onNext(resp.toBuilder().setToken(tokens.sign(r.getName(), checkedAt.get())).build());
        } catch (RuntimeException e) {
          out.onError(ErrorTable.toStatus(e));
        }
      }

      @Override
      public void onError(Throwable t) {
        out.onError(t);
      }

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    });
  }

  /** The Authenticate to propose once the password is right (bcrypt: on the hashing executor). */
  private AuthRequest checkPassword(AuthenticateRequest r) {
    if (!store.enabled()) {
      throw new EtcdException(EtcdError.AUTH_NOT_ENABLED);
    }
    failedLogins.admit(r.getName());
    long revision = store.revision();
    User u = store.user(r.getName());
    if (u == null) {
      failedLogins.failed(r.getName());
      throw new EtcdException(EtcdError.AUTH_FAILED);
    }
    if (u.getOptions().getNoPassword()) {
      throw new EtcdException(EtcdError.NO_PASSWORD_USER);
    }
    if (!Passwords.matches(u.getPassword().toByteArray(), r.getPassword())) {
      failedLogins.failed(r.getName());
      throw new EtcdException(EtcdError.AUTH_FAILED);
    }
    failedLogins.succeeded(r.getName());
    return AuthRequest.newBuilder().setAuthenticate(Authenticate.newBuilder().setName(r.getName())
        .setSimpleToken(tokens.newPrefix()).setAuthRevision(revision)).build();
  }

  @Override
  public void userAdd(AuthUserAddRequest r, StreamObserver<AuthUserAddResponse> out) {
    if (r.getName().isEmpty()) {
      out.onError(EtcdError.USER_EMPTY.exception());
      return;
    }
    proposeAfter(() -> {
      AuthUserAddRequest.Builder b = r.toBuilder().clearPassword();
      if (!r.getOptions().getNoPassword()) {
        b.setHashedPassword(r.getHashedPassword().isEmpty() ? passwords.hash(r.getPassword()) : r.getHashedPassword());
      }
      return AuthRequest.newBuilder().setUserAdd(b).build();
    }, out);
  }

  @Override
  public void userChangePassword(AuthUserChangePasswordRequest r,
      StreamObserver<AuthUserChangePasswordResponse> out) {
    proposeAfter(() -> AuthRequest.newBuilder().setUserChangePassword(r.toBuilder().clearPassword()
        .setHashedPassword(r.getHashedPassword().isEmpty() ? passwords.hash(r.getPassword()) : r.getHashedPassword()))
        .build(), out);
  }

  @Override
  public void userGet(AuthUserGetRequest r, StreamObserver<AuthUserGetResponse> out) {
    submit(AuthRequest.newBuilder().setUserGet(r), out);
  }

  @Override
  public void userList(AuthUserListRequest r, StreamObserver<AuthUserListResponse> out) {
    submit(AuthRequest.newBuilder().setUserList(r), out);
  }

  @Override
  public void userDelete(AuthUserDeleteRequest r, StreamObserver<AuthUserDeleteResponse> out) {
    submit(AuthRequest.newBuilder().setUserDelete(r), out);
  }

  @Override
  public void userGrantRole(AuthUserGrantRoleRequest r, StreamObserver<AuthUserGrantRoleResponse> out) {
    submit(AuthRequest.newBuilder().setUserGrantRole(r), out);
  }

  @Override
  public void userRevokeRole(AuthUserRevokeRoleRequest r, StreamObserver<AuthUserRevokeRoleResponse> out) {
    submit(AuthRequest.newBuilder().setUserRevokeRole(r), out);
  }

  @Override
  public void roleAdd(AuthRoleAddRequest r, StreamObserver<AuthRoleAddResponse> out) {
    submit(AuthRequest.newBuilder().setRoleAdd(r), out);
  }

  @Override
  public void roleGet(AuthRoleGetRequest r, StreamObserver<AuthRoleGetResponse> out) {
    submit(AuthRequest.newBuilder().setRoleGet(r), out);
  }

  @Override
  public void roleList(AuthRoleListRequest r, StreamObserver<AuthRoleListResponse> out) {
    submit(AuthRequest.newBuilder().setRoleList(r), out);
  }

  @Override
  public void roleDelete(AuthRoleDeleteRequest r, StreamObserver<AuthRoleDeleteResponse> out) {
    submit(AuthRequest.newBuilder().setRoleDelete(r), out);
  }

  @Override
  public void roleGrantPermission(AuthRoleGrantPermissionRequest r,
      StreamObserver<AuthRoleGrantPermissionResponse> out) {
    submit(AuthRequest.newBuilder().setRoleGrantPermission(r), out);
  }

  @Override
  public void roleRevokePermission(AuthRoleRevokePermissionRequest r,
      StreamObserver<AuthRoleRevokePermissionResponse> out) {
    submit(AuthRequest.newBuilder().setRoleRevokePermission(r), out);
  }

  /**
   * Prepares the request on the hashing executor (bcrypt), then proposes it as the caller's (read
   * here, on the calling thread).
   */
  private <R extends Message> void proposeAfter(Supplier<AuthRequest> prepare, StreamObserver<R> out) {
    String user = KvService.requester().getUser();
    CompletableFuture.supplyAsync(prepare, hashing).whenComplete((request, err) -> {
      if (err != null) {
        Replies.reply(null, err, out);
      } else {
        propose(request, user, out);
      }
    });
  }

  private <R extends Message> void submit(AuthRequest.Builder request, StreamObserver<R> out) {
    propose(request.build(), KvService.requester().getUser(), out);
  }

  /** Proposes {@code request} as {@code user}'s; answers with the applied response and a header. */
  @SuppressWarnings("unchecked")
  private <R extends Message> void propose(AuthRequest request, String user, StreamObserver<R> out) {
    raft.propose(InternalRequest.newBuilder().setAuth(request)
        .setRequester(io.ketch.server.raft.proto.Requester.newBuilder().setUser(user)))
        .whenComplete((o, err) -> {
          if (err != null) {
            Replies.reply(null, err, out);
            return;
          }
          Message.Builder b = ((Message) o).toBuilder();
          FieldDescriptor header = b.getDescriptorForType().findFieldByName("header");
          b.setField(header, headers.of(kv.currentRevision()));
          Replies.reply((R) b.build(), null, out);
        });
  }
}
