package io.ketch.server.gateway;

import io.ketch.server.metrics.EtcdMetrics;
import io.ketch.server.v2.V2Api;
import java.util.concurrent.CompletableFuture;

/**
 * Where an HTTP request on the client port goes: {@code /metrics}, etcd's probes and version, the
 * JSON gateway, the v2 API (with {@code --enable-v2}), or Go's "404 page not found".
 */
public final class HttpRouter {
  private final HealthEndpoints health;
  private final JsonGateway gateway;
  private final EtcdMetrics metrics;
  /** The v2 API, or null when it is off. */
  private final V2Api v2;
  private final boolean serveGateway;

  public HttpRouter(HealthEndpoints health, JsonGateway gateway, EtcdMetrics metrics, V2Api v2) {
    this(health, gateway, metrics, v2, true);
  }

  private HttpRouter(HealthEndpoints health, JsonGateway gateway, EtcdMetrics metrics, V2Api v2,
      boolean serveGateway) {
    this.health = health;
    this.gateway = gateway;
    this.metrics = metrics;
    this.v2 = v2;
    this.serveGateway = serveGateway;
  }

  /** The same endpoints without the gateway: {@code /metrics} and the probes ({@code --listen-metrics-urls}). */
  public HttpRouter probesOnly() {
    return new HttpRouter(health, gateway, metrics, null, false);
  }

  /** Whether the request is answered as a stream ({@link #stream}) rather than by {@link #handle}. */
  public boolean streams(String method, String uri) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    if (v2 != null && V2Api.serves(path)) {
      return v2.streams(method, path, q < 0 ? null : uri.substring(q + 1));
    }
    return serveGateway && gateway.streams(method, path);
  }

  /** Starts a streaming answer; returns what cancels it. */
  Runnable stream(String uri, String authorization, byte[] body, GatewayStream.Sink sink) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    if (v2 != null && V2Api.serves(path)) {
      return v2.stream(path, q < 0 ? null : uri.substring(q + 1), sink);
    }
    return gateway.stream(path, authorization, body, sink);
  }

  /** Answers one request; {@code uri} is the request target (path and query). */
  public CompletableFuture<JsonGateway.Answer> handle(String method, String uri, String authorization,
      String contentType, byte[] body) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    QueryString query = QueryString.parse(q < 0 ? null : uri.substring(q + 1));
    try {
      if (v2 != null && V2Api.serves(path)) {
        return v2.handle(method, path, q < 0 ? null : uri.substring(q + 1), contentType, body);
      }
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
