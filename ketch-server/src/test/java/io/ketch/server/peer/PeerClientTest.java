package io.ketch.server.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.api.EtcdError;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.peer.proto.ClusterInfoRequest;
import io.ketch.server.peer.proto.ClusterInfoResponse;
import io.ketch.server.peer.proto.ConfirmLeadershipRequest;
import io.ketch.server.peer.proto.ConfirmLeadershipResponse;
import io.ketch.server.peer.proto.ReadIndexRequest;
import io.ketch.server.peer.proto.ReadIndexResponse;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Peer calls over real sockets, above all the streamed ones (many calls on one stream per peer). */
class PeerClientTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private final PeerService service = new PeerService();
  private final PeerClient client = new PeerClient();
  private Server server;

  @AfterEach
  void close() throws InterruptedException {
    client.close();
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private String start(int port) throws Exception {
    server = service.customize(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)),
        EnumSet.of(GrpcServices.Type.SERVER)).build().start();
    return "127.0.0.1:" + server.getPort();
  }

  private static Throwable failure(CompletableFuture<?> f) throws InterruptedException {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("the call neither completed nor failed", e);
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void streamedCallsAreAnsweredEachByItsOwnReplyOutOfOrder() throws Exception {
    // replies complete in reverse order: each call must still get its own
    List<CompletableFuture<ReadIndexResponse>> held = new ArrayList<>();
    AtomicLong next = new AtomicLong();
    service.register(PeerMethods.READ_INDEX, q -> {
      CompletableFuture<ReadIndexResponse> f = new CompletableFuture<>();
      synchronized (held) {
        held.add(f);
      }
      next.incrementAndGet();
      return f;
    });
    String address = start(0);
    List<CompletableFuture<ReadIndexResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      calls.add(client.call(address, PeerMethods.READ_INDEX, ReadIndexRequest.getDefaultInstance(), TIMEOUT));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (next.get() < 100 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(100, next.get(), "every call reached the handler");
    synchronized (held) {
      for (int i = held.size() - 1; i >= 0; i--) {
        held.get(i).complete(ReadIndexResponse.newBuilder().setIndex(1000 + i).build());
      }
    }
    for (int i = 0; i < 100; i++) {
      assertEquals(1000 + i, calls.get(i).get(10, TimeUnit.SECONDS).getIndex());
    }
  }

  @Test
  void etcdErrorsAndNotLeaderCrossTheStreamAsThemselves() throws Exception {
    service.register(PeerMethods.READ_INDEX, q -> CompletableFuture.failedFuture(new NotLeaderException()));
    service.register(PeerMethods.CONFIRM_LEADERSHIP,
        q -> CompletableFuture.failedFuture(new EtcdException(EtcdError.LEASE_NOT_FOUND)));
    String address = start(0);
    assertInstanceOf(NotLeaderException.class,
        failure(client.call(address, PeerMethods.READ_INDEX, ReadIndexRequest.getDefaultInstance(), TIMEOUT)));
    Throwable t = failure(client.call(address, PeerMethods.CONFIRM_LEADERSHIP,
        ConfirmLeadershipRequest.newBuilder().setTerm(3).build(), TIMEOUT));
    assertEquals(EtcdError.LEASE_NOT_FOUND, assertInstanceOf(EtcdException.class, t).error());
  }

  @Test
  void aCallNotAnsweredInItsTimeoutFailsAndLaterCallsStillWork() throws Exception {
    CompletableFuture<ConfirmLeadershipResponse> never = new CompletableFuture<>();
    service.register(PeerMethods.CONFIRM_LEADERSHIP, q -> q.getTerm() == 1 ? never
        : CompletableFuture.completedFuture(ConfirmLeadershipResponse.newBuilder().setConfirmed(true).build()));
    String address = start(0);
    long start = System.nanoTime();
    Throwable t = failure(client.call(address, PeerMethods.CONFIRM_LEADERSHIP,
        ConfirmLeadershipRequest.newBuilder().setTerm(1).build(), Duration.ofMillis(200)));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertInstanceOf(PeerUnavailableException.class, t);
    assertTrue(t.getMessage().contains("DEADLINE_EXCEEDED"), t.getMessage());
    assertTrue(tookMs >= 200, "timed out after " + tookMs + " ms");
    // the late reply, when it comes, is dropped; the stream carries on
    never.complete(ConfirmLeadershipResponse.newBuilder().setConfirmed(false).build());
    assertTrue(client.call(address, PeerMethods.CONFIRM_LEADERSHIP,
        ConfirmLeadershipRequest.newBuilder().setTerm(2).build(), TIMEOUT).get(10, TimeUnit.SECONDS).getConfirmed());
  }

  @Test
  void aPeerGoingAwayFailsItsPendingCallsAndAPeerBackIsCalledOnANewStream() throws Exception {
    CompletableFuture<ReadIndexResponse> never = new CompletableFuture<>();
    AtomicLong served = new AtomicLong();
    service.register(PeerMethods.READ_INDEX, q -> served.incrementAndGet() == 1 ? never
        : CompletableFuture.completedFuture(ReadIndexResponse.newBuilder().setIndex(7).build()));
    String address = start(0);
    int port = server.getPort();
    CompletableFuture<ReadIndexResponse> pending =
        client.call(address, PeerMethods.READ_INDEX, ReadIndexRequest.getDefaultInstance(), Duration.ofMinutes(1));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (served.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    assertInstanceOf(PeerUnavailableException.class, failure(pending));
    assertFalse(never.isDone());

    start(port);
    assertEquals(7, client.call(address, PeerMethods.READ_INDEX, ReadIndexRequest.getDefaultInstance(), TIMEOUT)
        .get(10, TimeUnit.SECONDS).getIndex());
  }

  @Test
  void unaryMethodsStillWork() throws Exception {
    service.register(PeerMethods.CLUSTER_INFO, q -> CompletableFuture.completedFuture(
        ClusterInfoResponse.newBuilder().setClusterId(42).build()));
    String address = start(0);
    assertFalse(PeerMethods.CLUSTER_INFO.streamed());
    assertEquals(42, client.call(address, PeerMethods.CLUSTER_INFO,
        ClusterInfoRequest.getDefaultInstance(), TIMEOUT).get(10, TimeUnit.SECONDS)
        .getClusterId());
  }
}
