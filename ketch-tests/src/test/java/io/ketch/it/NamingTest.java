package io.ketch.it;

import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.ketch.client.Client;
import io.ketch.client.naming.Endpoint;
import io.ketch.client.naming.EndpointManager;
import io.ketch.client.naming.EndpointUpdate;
import io.ketch.client.naming.EtcdNameResolverProvider;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Naming against etcd and Ketch: endpoints registered under leases, listed and followed, gone
 * when their lease ends, and a gRPC channel on {@code etcd:///service} balancing over real gRPC
 * servers as they register and unregister.
 */
class NamingTest extends EtcdAndKetch {
  private static void await(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
    assertTrue(ClientFixture.waitUntil(cond, 10_000), "timed out waiting for " + what);
  }

  @Test
  void registerListFollowAndExpire() throws Exception {
    for (io.ketch.it.Endpoint server : servers()) {
      try (Client c = ClientFixture.client(server)) {
        EndpointManager svc = new EndpointManager(c, "svc-" + server.name());
        List<EndpointUpdate> seen = new CopyOnWriteArrayList<>();
        get(svc.add(svc.keyOf(Endpoint.of("10.0.0.1:80")), new Endpoint("10.0.0.1:80", "{\"zone\":\"a\"}"), 0));
        try (AutoCloseable follow = svc.watch(seen::addAll)) {
          await(() -> seen.size() == 1, "the initial list");
          assertEquals(new EndpointUpdate(EndpointUpdate.Op.ADD, "svc-" + server.name() + "/10.0.0.1:80",
              new Endpoint("10.0.0.1:80", "{\"zone\":\"a\"}")), seen.get(0));
          Client other = ClientFixture.client(server);
          EndpointManager.Registration reg = get(new EndpointManager(other, "svc-" + server.name())
              .register(Endpoint.of("10.0.0.2:80"), 2, lost -> { }));
          await(() -> seen.size() == 2, "the registration");
          assertEquals(EndpointUpdate.Op.ADD, seen.get(1).op());
          Map<String, Endpoint> listed = get(svc.list());
          assertEquals(List.of("svc-" + server.name() + "/10.0.0.1:80", "svc-" + server.name() + "/10.0.0.2:80"),
              new ArrayList<>(listed.keySet()));
          // the registering process "dies": its lease is no longer renewed, and the endpoint goes
          other.close();
          await(() -> seen.size() == 3, "the expiry of the dead instance's lease");
          assertEquals(new EndpointUpdate(EndpointUpdate.Op.DELETE, "svc-" + server.name() + "/10.0.0.2:80", null),
              seen.get(2));
          get(svc.delete(svc.keyOf(Endpoint.of("10.0.0.1:80"))));
          await(() -> seen.size() == 4, "the delete");
          assertEquals(Map.of(), get(svc.list()));
          assertTrue(reg.leaseId() != 0);
        }
      }
    }
  }

  /** A gRPC server counting the calls it serves (the standard health service). */
  private static final class CountingServer implements AutoCloseable {
    final AtomicInteger calls = new AtomicInteger();
    final Server server;

    CountingServer() throws Exception {
      ServerInterceptor counter = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata h, ServerCallHandler<Q, R> next) {
          calls.incrementAndGet();
          return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(next.startCall(call, h)) { };
        }
      };
      server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), counter))
          .build().start();
    }

    String address() {
      return "127.0.0.1:" + server.getPort();
    }

    @Override
    public void close() {
      server.shutdownNow();
    }
  }

  @Test
  @SuppressWarnings("deprecation") // nameResolverFactory: the provider is given to this channel only
  void grpcChannelResolvesThroughEtcd() throws Exception {
    for (io.ketch.it.Endpoint server : servers()) {
      try (Client c = ClientFixture.client(server);
           CountingServer a = new CountingServer();
           CountingServer b = new CountingServer()) {
        EndpointManager svc = new EndpointManager(c, "health");
        EndpointManager.Registration ra = get(svc.register(Endpoint.of(a.address()), 10, lost -> { }));
        EndpointManager.Registration rb = get(svc.register(Endpoint.of(b.address()), 10, lost -> { }));
        ManagedChannel ch = NettyChannelBuilder.forTarget("etcd:///health")
            .nameResolverFactory(new EtcdNameResolverProvider(c))
            .defaultLoadBalancingPolicy("round_robin")
            .usePlaintext().build();
        try {
          HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(ch);
          await(() -> {
            stub.withWaitForReady().withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
            return a.calls.get() > 0 && b.calls.get() > 0;
          }, "calls reaching both registered servers");
          rb.close();
          Thread.sleep(500);
          int before = b.calls.get();
          for (int i = 0; i < 20; i++) {
            stub.withWaitForReady().withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
          }
          assertEquals(before, b.calls.get(), server.name() + ": the unregistered server gets no more calls");
          ra.close();
        } finally {
          ch.shutdownNow();
        }
      }
    }
  }
}
