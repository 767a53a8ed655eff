package io.ketch.server.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * go-grpc-prometheus's server metrics, as etcd exposes them: {@code grpc_server_started_total},
 * {@code grpc_server_handled_total} (by code), {@code grpc_server_msg_received_total} and
 * {@code grpc_server_msg_sent_total}, labelled by service, method and type; every method of the
 * services is listed from the start (every code of handled too), as etcd's registration does.
 * A call costs four counter increments.
 */
public final class GrpcServerMetrics implements ServerInterceptor {
  private static final Status.Code[] CODES = Status.Code.values();

  /** One method's counters. */
  private static final class Counters {
    final String service;
    final String method;
    final String type;
    final LongAdder started = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder[] handled = new LongAdder[CODES.length];

    Counters(MethodDescriptor<?, ?> m) {
      this.service = m.getServiceName();
      this.method = m.getBareMethodName();
      this.type = switch (m.getType()) {
        case UNARY -> "unary";
        case CLIENT_STREAMING -> "client_stream";
        case SERVER_STREAMING -> "server_stream";
        default -> "bidi_stream";
      };
      for (int i = 0; i < handled.length; i++) {
        handled[i] = new LongAdder();
      }
    }
  }

  private final Map<String, Counters> byMethod = new ConcurrentHashMap<>();

  /** Counts calls of {@code services} (listed from the start, as etcd lists them). */
  public GrpcServerMetrics(List<ServiceDescriptor> services) {
    for (ServiceDescriptor s : services) {
      for (MethodDescriptor<?, ?> m : s.getMethods()) {
        byMethod.put(m.getFullMethodName(), new Counters(m));
      }
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Counters c = byMethod.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(),
        k -> new Counters(call.getMethodDescriptor()));
    c.started.increment();
    ServerCall<Q, R> counted = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        c.sent.increment();
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        c.handled[status.getCode().ordinal()].increment();
        super.close(status, trailers);
      }
    };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(counted, headers)) {
      @Override
      public void onMessage(Q message) {
        c.received.increment();
        super.onMessage(message);
      }
    };
  }

  /** Registers the four families as callback counters of {@code registry}. */
  void register(PrometheusRegistry registry) {
    CounterWithCallback.builder().name("grpc_server_handled_total")
        .help("Total number of RPCs completed on the server, regardless of success or failure.")
        .labelNames("grpc_code", "grpc_method", "grpc_service", "grpc_type")
        .callback(cb -> {
          for (Counters c : byMethod.values()) {
            for (Status.Code code : CODES) {
              cb.call(c.handled[code.ordinal()].sum(), goName(code), c.method, c.service, c.type);
            }
          }
        }).register(registry);
    perMethod(registry, "grpc_server_msg_received_total", "Total number of RPC stream messages received on the server.",
        c -> c.received);
    perMethod(registry, "grpc_server_msg_sent_total", "Total number of gRPC stream messages sent by the server.",
        c -> c.sent);
    perMethod(registry, "grpc_server_started_total", "Total number of RPCs started on the server.", c -> c.started);
  }

  private void perMethod(PrometheusRegistry registry, String name, String help, Function<Counters, LongAdder> which) {
    CounterWithCallback.builder().name(name).help(help).labelNames("grpc_method", "grpc_service", "grpc_type")
        .callback(cb -> {
          for (Counters c : byMethod.values()) {
            cb.call(which.apply(c).sum(), c.method, c.service, c.type);
          }
        }).register(registry);
  }

  /** A gRPC code as Go names it (NOT_FOUND: NotFound, CANCELLED: Canceled). */
  static String goName(Status.Code code) {
    if (code == Status.Code.CANCELLED) {
      return "Canceled";
    }
    StringBuilder b = new StringBuilder();
    for (String part : code.name().split("_")) {
      b.append(part.charAt(0)).append(part.substring(1).toLowerCase());
    }
    return code == Status.Code.OK ? "OK" : b.toString();
  }
}
