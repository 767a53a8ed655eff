package io.ketch.server.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.ketch.server.calls.DeferredListener;
import io.ketch.api.EtcdError;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The one authorization step every client call passes: finds the caller from the call's token
 * (gRPC metadata {@code token}, as clientv3 sends it, or {@code authorization}), then checks what
 * the method needs ({@link RpcAccess}) while auth is enabled. A method without an entry is refused.
 * Key permissions are checked further in by the services (reads, watches) and at apply (writes),
 * with the user this puts in the call's context ({@link #caller()}).
 */
public final class Authorizer implements ServerInterceptor {
  private static final Context.Key<String> USER = Context.key("ketch-user");
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** How long a call with a token this member has not applied yet waits for it. */
  private static final long TOKEN_WAIT_MILLIS = 5_000;

  private final AuthStore store;
  private final Tokens tokens;
  private final LongSupplier appliedIndex;
  private final LongFunction<CompletableFuture<Void>> awaitApplied;
  private final Executor executor;
  /** With {@code --client-cert-auth}, a call without a token is its certificate's CN's (as etcd). */
  private final boolean clientCertAuth;

  /**
   * @param appliedIndex this member's applied log index
   * @param awaitApplied completes once this member applied a log index
   * @param executor where a call that waited for its token goes on
   */
  public Authorizer(AuthStore store, Tokens tokens, LongSupplier appliedIndex,
      LongFunction<CompletableFuture<Void>> awaitApplied, Executor executor, boolean clientCertAuth) {
    this.clientCertAuth = clientCertAuth;
    this.store = store;
    this.tokens = tokens;
    this.appliedIndex = appliedIndex;
    this.awaitApplied = awaitApplied;
    this.executor = executor;
  }

  /** The user the current call authenticated as; empty without a token. Read on the calling thread. */
  public static String caller() {
    String u = USER.get();
    return u == null ? "" : u;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    RpcAccess.Need need = RpcAccess.of(method);
    if (need == null) {
      return refuse(call, Status.PERMISSION_DENIED.withDescription(
          "ketch: " + method + " has no entry in the authorization table"));
    }
    String token = headers.get(TOKEN);
    if (token == null) {
      token = headers.get(AUTHORIZATION);
    }
    String user = token == null && clientCertAuth ? commonName(call) : "";
    if (token != null && need != RpcAccess.Need.PUBLIC) {
      user = tokens.user(token);
      if (user == null) {
        long index = tokens.pendingIndex(token);
        if (index > appliedIndex.getAsLong()) {
          // issued by another member in an entry this one has not applied yet: wait for it, as etcd
          String t = token;
          DeferredListener<Q> deferred = new DeferredListener<>();
          awaitApplied.apply(index).orTimeout(TOKEN_WAIT_MILLIS, TimeUnit.MILLISECONDS)
              .whenCompleteAsync((v, err) -> {
                String u = tokens.user(t);
                deferred.start(u == null ? refuse(call, EtcdError.INVALID_AUTH_TOKEN.status())
                    : admit(call, headers, next, need, u));
              }, executor);
          return deferred;
        }
        return refuse(call, EtcdError.INVALID_AUTH_TOKEN.status()); // the client authenticates again
      }
    }
    return admit(call, headers, next, need, user);
  }

  /** The CN of the call's verified client certificate, or empty. */
  private static String commonName(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return "";
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return "";
      }
      for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          return rdn.getValue().toString();
        }
      }
    } catch (SSLPeerUnverifiedException | InvalidNameException e) {
      return "";
    }
    return "";
  }

  /**
   * Runs every call as {@code user} without looking for a token: for in-process callers the server
   * itself trusts (the v2 API, which v3 auth does not guard, as in etcd).
   */
  public static ServerInterceptor trusted(String user) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(Context.current().withValue(USER, user), call, headers, next);
      }
    };
  }

  /** The call's listener once its user is known: refused, or passed on with the user in its context. */
  private <Q, R> ServerCall.Listener<Q> admit(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next,
      RpcAccess.Need need, String user) {
    EtcdError denied = switch (need) {
      case PUBLIC -> null;
      case USER, KEYS, SELF -> store.checkUser(user);
      case ADMIN -> store.checkAdmin(user);
    };
    if (denied != null) {
      return refuse(call, denied.status());
    }
    return user.isEmpty() ? next.startCall(call, headers)
        : Contexts.interceptCall(Context.current().withValue(USER, user), call, headers, next);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
