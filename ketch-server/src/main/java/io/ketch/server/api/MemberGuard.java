package io.ketch.server.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.StatusRequest;
import java.util.function.BooleanSupplier;

/**
 * etcd's gRPC interceptors, the part that depends on this member's state. A learner serves only
 * Status and serializable Range, and no streams ("rpc not supported for learner"). A call that
 * carries {@code hasleader: true} (clientv3's WithRequireLeader) fails at once with "no leader" on a
 * member that knows no leader; a stream that carries it is marked (see {@link #REQUIRE_LEADER}) so
 * it can be ended when the leader stays away ({@link NoLeaderMonitor}).
 */
final class MemberGuard implements ServerInterceptor {
  /** Set in the context of calls that require a leader. */
  static final Context.Key<Boolean> REQUIRE_LEADER = Context.key("ketch-require-leader");
  private static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  private final BooleanSupplier hasLeader;
  private final BooleanSupplier isLearner;

  MemberGuard(BooleanSupplier hasLeader, BooleanSupplier isLearner) {
    this.hasLeader = hasLeader;
    this.isLearner = isLearner;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    boolean unary = call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY;
    boolean learner = isLearner.getAsBoolean();
    if (learner && !unary) {
      return refuse(call, EtcdError.NOT_SUPPORTED_FOR_LEARNER.status());
    }
    boolean requireLeader = "true".equals(headers.get(HAS_LEADER));
    if (requireLeader && !hasLeader.getAsBoolean()) {
      return refuse(call, EtcdError.NO_LEADER.status());
    }
    ServerCall.Listener<Q> listener = requireLeader
        ? Contexts.interceptCall(Context.current().withValue(REQUIRE_LEADER, true), call, headers, next)
        : next.startCall(call, headers);
    if (!learner) {
      return listener;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (!supportedForLearner(message)) {
          refused = true;
          call.close(EtcdError.NOT_SUPPORTED_FOR_LEARNER.status(), new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }

  /** etcd's isRPCSupportedForLearner. */
  private static boolean supportedForLearner(Object request) {
    return request instanceof StatusRequest || request instanceof RangeRequest r && r.getSerializable();
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
