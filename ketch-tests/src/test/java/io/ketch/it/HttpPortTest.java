package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * gRPC and HTTP/1.1 on one client port, as etcd serves them: a gRPC client and HTTP requests at
 * once; several requests on one kept-alive connection, two sent in one write, HTTP/1.0 closing after
 * its answer; bytes that are neither protocol closed at once. Over TLS, an HTTP client (ALPN
 * http/1.1) gets the gateway and etcdctl (ALPN h2) gets gRPC on the same port. With etcd 3.5's
 * {@code --listen-client-http-urls} HTTP moves there (the client URL serves gRPC alone), and
 * {@code --listen-metrics-urls} serves the metrics and probes but not the gateway.
 */
class HttpPortTest {
  @Test
  void grpcAndHttpShareThePlainPort() throws Exception {
    try (KetchNode node = new KetchNode()) {
      ManagedChannel ch = node.channel();
      try {
        KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(bs("a")).setValue(bs("grpc")).build());
        try (Socket s = new Socket("127.0.0.1", port(node))) {
          s.setSoTimeout(10_000);
          OutputStream out = s.getOutputStream();
          InputStream in = s.getInputStream();
          for (int i = 0; i < 3; i++) { // one connection, one request after another
            out.write(post("/v3/kv/range", "{\"key\":\"YQ==\"}"));
            out.flush();
            String answer = readResponse(in);
            assertTrue(answer.startsWith("HTTP/1.1 200 OK"), answer);
            assertTrue(answer.contains("\"value\":\"Z3JwYw==\""), answer);
            // gRPC keeps working meanwhile on its own connection
            assertEquals(1, KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .range(RangeRequest.newBuilder().setKey(bs("a")).build()).getCount());
          }
          // two requests in one write: two answers, in order
          ByteArrayOutputStream both = new ByteArrayOutputStream();
          both.write(post("/v3/kv/put", "{\"key\":\"Yg==\",\"value\":\"MQ==\"}"));
          both.write(get("/health"));
          out.write(both.toByteArray());
          out.flush();
          assertTrue(readResponse(in).contains("\"revision\":\"3\""));
          assertTrue(readResponse(in).contains("{\"health\":\"true\",\"reason\":\"\"}"));
        }
        // HTTP/1.0: the answer, then the server closes
        try (Socket s = new Socket("127.0.0.1", port(node))) {
          s.setSoTimeout(10_000);
          s.getOutputStream().write("GET /version HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          assertTrue(all.startsWith("HTTP/1.0 200 OK") && all.contains("\"etcdserver\""), all);
        }
        // neither HTTP/2 nor HTTP/1: closed without an answer
        try (Socket s = new Socket("127.0.0.1", port(node))) {
          s.setSoTimeout(10_000);
          s.getOutputStream().write("hello there\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          assertEquals(-1, s.getInputStream().read());
        }
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void tlsPortServesTheGatewayByAlpnAndGrpcToEtcdctl() throws Exception {
    Path dir = TestDirs.newDir("ketch-https-port");
    try {
      TestCerts certs = new TestCerts(dir).ca("ca").server("server", "ca");
      try (KetchNode node = KetchNode.https("--cert-file", certs.file("server.crt").toString(),
          "--key-file", certs.file("server.key").toString())) {
        String url = "https://" + node.address();
        Etcdctl.Result put = Etcdctl.exec(List.of(url), "--cacert", certs.file("ca.crt").toString(),
            "--dial-timeout=3s", "--command-timeout=5s", "put", "over", "grpc");
        assertEquals(0, put.exit(), put.toString());
        HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .sslContext(trusting(certs.file("ca.crt"))).build();
        HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create(url + "/v3/kv/range"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"b3Zlcg==\"}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"value\":\"Z3JwYw==\""), r.body());
        HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals("{\"health\":\"true\",\"reason\":\"\"}", health.body());
      }
    } finally {
      TestDirs.delete(dir);
    }
  }

  @Test
  void httpOnlyAndMetricsUrlsTakeTheirShare() throws Exception {
    int httpPort = TestDirs.freePort();
    int metricsPort = TestDirs.freePort();
    try (KetchNode node = new KetchNode("--listen-client-http-urls", "http://127.0.0.1:" + httpPort,
        "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort)) {
      ManagedChannel ch = node.channel();
      try {
        KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(bs("a")).setValue(bs("grpc")).build());
      } finally {
        ch.shutdownNow();
      }
      HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      // the HTTP-only URL: the gateway and the rest
      assertTrue(get(plain, "http://127.0.0.1:" + httpPort, "POST", "/v3/kv/range", "{\"key\":\"YQ==\"}")
          .startsWith("200 {\"header\""));
      assertEquals("200 {\"health\":\"true\",\"reason\":\"\"}", get(plain, "http://127.0.0.1:" + httpPort, "GET",
          "/health", ""));
      // the metrics URL: metrics and probes, no gateway
      assertTrue(get(plain, "http://127.0.0.1:" + metricsPort, "GET", "/metrics", "").contains("etcd_server_has_leader 1"));
      assertEquals("200 ok\n", get(plain, "http://127.0.0.1:" + metricsPort, "GET", "/readyz", ""));
      assertEquals("404 404 page not found\n", get(plain, "http://127.0.0.1:" + metricsPort, "POST", "/v3/kv/range",
          "{\"key\":\"YQ==\"}"));
      // the client URL serves gRPC only now: an HTTP request there gets no answer
      try (Socket s = new Socket("127.0.0.1", port(node))) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(get("/health"));
        byte[] answer = s.getInputStream().readAllBytes();
        assertTrue(!new String(answer, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"),
            "the client URL still answered HTTP");
      }
    }
  }

  private static String get(HttpClient client, String base, String method, String path, String body) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  private static SSLContext trusting(Path caFile) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", TestCerts.read(caFile));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static int port(KetchNode node) {
    return Integer.parseInt(node.address().substring(node.address().lastIndexOf(':') + 1));
  }

  private static byte[] post(String path, String body) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
        + b.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] get(String path) {
    return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** One HTTP/1.1 response with a Content-Length (status line, headers and body) from {@code in}. */
  private static String readResponse(InputStream in) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        throw new IllegalStateException("connection closed after: " + head);
      }
      head.write(c);
      matched = (c == '\r' || c == '\n') && "\r\n\r\n".charAt(matched) == c ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    String headers = head.toString(StandardCharsets.US_ASCII);
    int length = 0;
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return headers + new String(body, StandardCharsets.UTF_8);
  }

  private static com.google.protobuf.ByteString bs(String s) {
    return com.google.protobuf.ByteString.copyFromUtf8(s);
  }
}
