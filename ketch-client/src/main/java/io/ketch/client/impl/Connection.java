package io.ketch.client.impl;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.ketch.api.etcdserverpb.AuthGrpc;
import io.ketch.api.etcdserverpb.AuthenticateRequest;
import io.ketch.api.etcdserverpb.AuthenticateResponse;
import io.ketch.client.EtcdException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One client's connection to its endpoints: a gRPC channel balancing round-robin over them, the
 * auth token attached to every call (and renewed when the server calls it invalid), the call
 * retry policy, the client's scheduler and the single thread listeners are called on.
 */
public final class Connection implements AutoCloseable {
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
  private static final String INVALID_TOKEN = "etcdserver: invalid auth token";
  private static final int MAX_ATTEMPTS = 10;

  private final Settings settings;
  private final ManagedChannel channel;
  private final Channel calls;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService listeners;
  private final Namespace namespace;
  private final boolean tls;
  private final Map<String, ManagedChannel> members = new HashMap<>();
  private volatile String token;
  private CompletableFuture<Void> authenticating;

  /** Opens a connection (lazily: nothing is dialled until the first call). */
  @SuppressWarnings("deprecation") // nameResolverFactory: the fixed endpoint list is resolved by us
  public Connection(Settings settings) {
    this.settings = settings;
    List<InetSocketAddress> addresses = new ArrayList<>();
    settings.endpoints.forEach(e -> addresses.add(EndpointsResolver.parse(e)));
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    tls = settings.tls || settings.caFile != null || settings.certFile != null
        || settings.endpoints.stream().anyMatch(e -> e.startsWith("https://"));
    channel = NettyChannelBuilder.forTarget(EndpointsResolver.SCHEME + ":///endpoints", credentials(tls))
        .nameResolverFactory(new EndpointsResolver(addresses))
        .defaultLoadBalancingPolicy("round_robin")
        .keepAliveTime(settings.keepAliveTime.toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(settings.keepAliveTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveWithoutCalls(false)
        .maxInboundMessageSize(settings.maxInboundMessageSize)
        .build();
    // without user or require-leader there are no headers to add: calls skip the interceptor
    calls = settings.user == null && !settings.requireLeader ? channel : ClientInterceptors.intercept(channel, new Headers());
    scheduler = Executors.newSingleThreadScheduledExecutor(daemon("ketch-client-scheduler"));
    listeners = Executors.newSingleThreadExecutor(daemon("ketch-client-listeners"));
    namespace = new Namespace(settings.namespace);
  }

  private ChannelCredentials credentials(boolean tls) {
    if (!tls) {
      return InsecureChannelCredentials.create();
    }
    try {
      TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
      if (settings.caFile != null) {
        b.trustManager(settings.caFile);
      }
      if (settings.certFile != null) {
        b.keyManager(settings.certFile, settings.keyFile);
      }
      return b.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TLS files", e);
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * A channel to one member, for calls about that member (status, defragment, hash, snapshot);
   * made on first use with the client's credentials and headers, closed with the connection.
   */
  public synchronized Channel member(String endpoint) {
    ManagedChannel ch = members.computeIfAbsent(endpoint.trim(), e -> {
      InetSocketAddress a = EndpointsResolver.parse(e);
      return NettyChannelBuilder.forAddress(a.getHostString(), a.getPort(), credentials(tls))
          .maxInboundMessageSize(settings.maxInboundMessageSize)
          .build();
    });
    return settings.user == null && !settings.requireLeader ? ch : ClientInterceptors.intercept(ch, new Headers());
  }

  /** The namespace keys are mapped through. */
  public Namespace namespace() {
    return namespace;
  }

  /** The client's scheduler (timers, retries, reconnects); tasks must be short. */
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /**
   * The one thread every listener of this client is called on, in order. Once the client is
   * closed, what is still submitted is dropped (late transport callbacks).
   */
  public Executor listeners() {
    return task -> {
      try {
        listeners.execute(task);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // the client is closed: nobody listens any more
      }
    };
  }

  /** The default deadline of unary calls, or null for none. */
  public Duration requestTimeout() {
    return settings.requestTimeout;
  }

  /** Whether calls are repeated by the library (see {@link #call}). */
  public enum Retry {
    /**
     * Safe to repeat (reads, revokes, keepalives): repeated after a transport failure
     * ({@code UNAVAILABLE}, or a connection closed under the call) with backoff, on the next
     * endpoint, until the deadline.
     */
    REPEATABLE,
    /**
     * Not safe to repeat (writes): waits for a ready endpoint until the deadline, is sent once and
     * never repeated after it may have reached the server.
     */
    ONCE
  }

  /**
   * Calls a unary method. Every call is repeated once after the token is renewed when the server
   * answers {@code invalid auth token} (the server checks the token before doing anything).
   *
   * @param timeout the deadline, or null for none
   */
  public <Q, R> CompletableFuture<R> call(MethodDescriptor<Q, R> method, Q request, Retry retry, Duration timeout) {
    return call(calls, method, request, retry, timeout);
  }

  /** Like {@link #call(MethodDescriptor, Object, Retry, Duration)}, on a given channel. */
  public <Q, R> CompletableFuture<R> call(Channel channel, MethodDescriptor<Q, R> method, Q request, Retry retry,
      Duration timeout) {
    CompletableFuture<R> result = new CompletableFuture<>();
    Deadline deadline = timeout == null ? null : Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
    CompletableFuture<Void> ready = needsToken() ? authenticate() : CompletableFuture.completedFuture(null);
    ready.whenComplete((v, err) -> {
      if (err != null) {
        result.completeExceptionally(EtcdException.of(err));
      } else {
        attempt(channel, method, request, retry, deadline, 1, false, result);
      }
    });
    return result;
  }

  private <Q, R> void attempt(Channel channel, MethodDescriptor<Q, R> method, Q request, Retry retry, Deadline deadline,
      int attempt, boolean renewed, CompletableFuture<R> result) {
    CallOptions options = CallOptions.DEFAULT.withMaxOutboundMessageSize(settings.maxOutboundMessageSize);
    if (deadline != null) {
      options = options.withDeadline(deadline);
    }
    if (retry == Retry.ONCE) {
      options = options.withWaitForReady();
    }
    ClientCalls.asyncUnaryCall(channel.newCall(method, options), request, new StreamObserver<R>() {
      @Override
      public void onNext(R value) {
        result.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        EtcdException e = EtcdException.of(t);
        if (!renewed && isInvalidToken(e)) {
          token = null;
          authenticate().whenComplete((v, err) -> {
            if (err != null) {
              result.completeExceptionally(EtcdException.of(err));
            } else {
              attempt(channel, method, request, retry, deadline, attempt, true, result);
            }
          });
          return;
        }
        long backoffMs = Math.min(1000, 25L << Math.min(attempt, 6));
        boolean timeLeft = deadline == null || deadline.timeRemaining(TimeUnit.MILLISECONDS) > backoffMs;
        if (retry == Retry.REPEATABLE && isTransportFailure(e) && attempt < MAX_ATTEMPTS && timeLeft) {
          try {
            scheduler.schedule(() -> attempt(channel, method, request, retry, deadline, attempt + 1, renewed, result),
                backoffMs, TimeUnit.MILLISECONDS);
            return;
          } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the client is closed: report the failure as it is
          }
        }
        result.completeExceptionally(e);
      }

      @Override
      public void onCompleted() {}
    });
  }

  /**
   * Whether a call failed for want of a working connection rather than by the server's answer:
   * {@code UNAVAILABLE}, or {@code UNKNOWN} caused by an I/O error (grpc-java's report of a
   * connection that closed under the call).
   */
  static boolean isTransportFailure(EtcdException e) {
    if (e.code() == Status.Code.UNAVAILABLE) {
      return true;
    }
    if (e.code() != Status.Code.UNKNOWN || !(e.getCause() instanceof io.grpc.StatusRuntimeException)) {
      return false;
    }
    return ((io.grpc.StatusRuntimeException) e.getCause()).getStatus().getCause() instanceof java.io.IOException;
  }

  /** Whether the server rejected a call's token as invalid or expired (the call did nothing). */
  public boolean isInvalidToken(EtcdException e) {
    return settings.user != null && e.code() == Status.Code.UNAUTHENTICATED && INVALID_TOKEN.equals(e.getMessage());
  }

  /** Whether a call must first get a token. */
  public boolean needsToken() {
    return settings.user != null && token == null;
  }

  /**
   * Gets a new token with the client's user and password; concurrent callers share one request.
   * Completes at once when the client has no user.
   */
  public synchronized CompletableFuture<Void> authenticate() {
    if (settings.user == null) {
      return CompletableFuture.completedFuture(null);
    }
    if (authenticating != null && !authenticating.isDone()) {
      return authenticating;
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    authenticating = f;
    AuthenticateRequest req = AuthenticateRequest.newBuilder().setName(settings.user).setPassword(settings.password).build();
    CallOptions options = CallOptions.DEFAULT.withWaitForReady();
    if (settings.requestTimeout != null) {
      options = options.withDeadlineAfter(settings.requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }
    ClientCalls.asyncUnaryCall(channel.newCall(AuthGrpc.getAuthenticateMethod(), options), req,
        new StreamObserver<AuthenticateResponse>() {
          @Override
          public void onNext(AuthenticateResponse r) {
            token = r.getToken();
            f.complete(null);
          }

          @Override
          public void onError(Throwable t) {
            f.completeExceptionally(EtcdException.of(t));
          }

          @Override
          public void onCompleted() {}
        });
    return f;
  }

  /**
   * Opens a bidirectional stream that waits for a ready endpoint. Each callback is told which
   * stream it comes from (the returned observer), so a caller that reopens streams can ignore a
   * stale one; {@code onEnd} hears the error, or null when the server ended the stream. The caller
   * serializes its calls on the returned observer.
   */
  public <Q, R> StreamObserver<Q> stream(MethodDescriptor<Q, R> method,
      java.util.function.BiConsumer<StreamObserver<Q>, R> onResponse,
      java.util.function.BiConsumer<StreamObserver<Q>, EtcdException> onEnd) {
    @SuppressWarnings("unchecked")
    StreamObserver<Q>[] self = new StreamObserver[1];
    self[0] = ClientCalls.asyncBidiStreamingCall(calls.newCall(method, CallOptions.DEFAULT.withWaitForReady()),
        new StreamObserver<R>() {
          @Override
          public void onNext(R r) {
            onResponse.accept(self[0], r);
          }

          @Override
          public void onError(Throwable t) {
            onEnd.accept(self[0], EtcdException.of(t));
          }

          @Override
          public void onCompleted() {
            onEnd.accept(self[0], null);
          }
        });
    return self[0];
  }

  /**
   * Opens a server-streaming call (no deadline) on {@code channel} (null: the balanced channel)
   * that waits for a ready endpoint, once the client has a token if it needs one; the returned
   * action cancels it.
   */
  public <Q, R> Runnable serverStream(Channel channel, MethodDescriptor<Q, R> method, Q request,
      StreamObserver<R> responses) {
    Channel ch = channel == null ? calls : channel;
    java.util.concurrent.atomic.AtomicReference<ClientCall<Q, R>> call = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
    CompletableFuture<Void> ready = needsToken() ? authenticate() : CompletableFuture.completedFuture(null);
    ready.whenComplete((v, err) -> {
      if (err != null) {
        responses.onError(EtcdException.of(err));
        return;
      }
      ClientCall<Q, R> c = ch.newCall(method, CallOptions.DEFAULT.withWaitForReady());
      call.set(c);
      ClientCalls.asyncServerStreamingCall(c, request, responses);
      if (cancelled.get()) {
        c.cancel("cancelled", null);
      }
    });
    return () -> {
      cancelled.set(true);
      ClientCall<Q, R> c = call.get();
      if (c != null) {
        c.cancel("cancelled", null);
      }
    };
  }

  /** Adds the token and the require-leader flag to every call. */
  private final class Headers implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<Q, R>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          String t = token;
          if (t != null) {
            headers.put(TOKEN, t);
          }
          if (settings.requireLeader) {
            headers.put(HAS_LEADER, "true");
          }
          super.start(listener, headers);
        }
      };
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    listeners.shutdown();
    channel.shutdownNow();
    synchronized (this) {
      members.values().forEach(ManagedChannel::shutdownNow);
    }
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
