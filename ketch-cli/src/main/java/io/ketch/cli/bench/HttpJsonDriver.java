package io.ketch.cli.bench;

import com.google.protobuf.ByteString;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * etcd's JSON gateway as a driver ({@code --driver=http}): puts and ranges as {@code POST
 * /v3/kv/put} and {@code /v3/kv/range} with JSON bodies over HTTP/1.1 (the JDK's HttpClient, one
 * connection per request in flight), as curl-style tools use it. Watches are not driven.
 */
final class HttpJsonDriver implements ClientDriver {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final URI put;
  private final URI range;

  HttpJsonDriver(String endpoint) {
    String base = endpoint.startsWith("http") ? endpoint : "http://" + endpoint;
    this.put = URI.create(base + "/v3/kv/put");
    this.range = URI.create(base + "/v3/kv/range");
  }

  @Override
  public CompletableFuture<?> put(ByteString key, ByteString value) {
    return post(put, "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}");
  }

  @Override
  public CompletableFuture<?> get(ByteString key, boolean serializable) {
    return post(range, "{\"key\":\"" + b64(key) + "\"" + (serializable ? ",\"serializable\":true" : "") + "}");
  }

  @Override
  public CompletableFuture<Void> watch(ByteString key, ByteString end, Consumer<List<ByteString>> values) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException("the http driver does not watch"));
  }

  private CompletableFuture<?> post(URI uri, String body) {
    return http.sendAsync(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> {
          if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode() + ": " + new String(r.body()));
          }
          return r;
        });
  }

  private static String b64(ByteString b) {
    return Base64.getEncoder().encodeToString(b.toByteArray());
  }

  @Override
  public void close() {
    // the JDK's client closes its idle connections itself
  }
}
