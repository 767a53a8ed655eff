package io.ketch.server.gateway;

import io.ketch.server.metrics.EtcdMetrics;
import java.util.concurrent.CompletableFuture;

/**
 * Where an HTTP request on the client port goes: {@code /metrics}, etcd's probes and version, the
 * JSON gateway, or Go's "404 page not found".
 */
public final class HttpRouter {
  private final HealthEndpoints health;
  private final JsonGateway gateway;
  private final EtcdMetrics metrics;
  private final boolean serveGateway;

  public HttpRouter(HealthEndpoints health, JsonGateway gateway, EtcdMetrics metrics) {
    this(health, gateway, metrics, true);
  }

  private HttpRouter(HealthEndpoints health, JsonGateway gateway, EtcdMetrics metrics, boolean serveGateway) {
    this.health = health;
    this.gateway = gateway;
    this.metrics = metrics;
    this.serveGateway = serveGateway;
  }

  /** The same endpoints without the gateway: {@code /metrics} and the probes ({@code --listen-metrics-urls}). */
  public HttpRouter probesOnly() {
    return new HttpRouter(health, gateway, metrics, false);
  }

  /** Whether the request is answered as a stream ({@link #stream}) rather than by {@link #handle}. */
  public boolean streams(String method, String uri) {
    int q = uri.indexOf('?');
    return serveGateway && gateway.streams(method, q < 0 ? uri : uri.substring(0, q));
  }

  /** Starts a streaming answer; returns what cancels it. */
  Runnable stream(String uri, String authorization, byte[] body, GatewayStream.Sink sink) {
    int q = uri.indexOf('?');
    return gateway.stream(q < 0 ? uri : uri.substring(0, q), authorization, body, sink);
  }

  /** Answers one request; {@code uri} is the request target (path and query). */
  public CompletableFuture<JsonGateway.Answer> handle(String method, String uri, String authorization, byte[] body) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    QueryString query = QueryString.parse(q < 0 ? null : uri.substring(q + 1));
    try {
      if (path.equals("/metrics")) {
        return CompletableFuture.completedFuture(method.equals("GET")
            ? new JsonGateway.Answer(200, EtcdMetrics.CONTENT_TYPE, metrics.scrape())
            : JsonGateway.Answer.text(405, "Method Not Allowed\n"));
      }
      if (health.serves(path)) {
        return health.handle(method, path, query);
      }
      if (serveGateway && gateway.serves(path)) {
        return gateway.handle(method, path, authorization, body);
      }
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(JsonGateway.error(io.grpc.Status.fromThrowable(e)));
    }
    return CompletableFuture.completedFuture(JsonGateway.Answer.text(404, "404 page not found\n"));
  }
}
