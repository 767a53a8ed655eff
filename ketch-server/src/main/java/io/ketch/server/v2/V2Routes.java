package io.ketch.server.v2;

import io.ketch.server.gateway.GoJsonText;
import io.ketch.server.gateway.JsonGateway.Answer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The v2 routes other than {@code /v2/keys} ({@code /v2/members}, {@code /v2/machines},
 * {@code /v2/stats/*}) and what Go's HTTP server does around every route: paths cleaned by a
 * redirect, percent-escapes decoded, wrong methods refused with {@code Allow}.
 */
final class V2Routes {
  private V2Routes() {}

  /** Go's ServeMux cleanPath: {@code path.Clean}, keeping a trailing slash. */
  static String cleanPath(String p) {
    if (p.isEmpty()) {
      return "/";
    }
    if (p.charAt(0) != '/') {
      p = "/" + p;
    }
    String np = V2Path.clean(p);
    if (p.endsWith("/") && !np.equals("/")) {
      np += "/";
    }
    return np;
  }

  /** The request path with its percent-escapes decoded (Go's URL path), or null if one is malformed. */
  static String unescapePath(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0
            || Character.digit(raw.charAt(i + 2), 16) < 0) {
          return null;
        }
        out.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
        i += 2;
      } else {
        out.write((byte) c);
      }
    }
    return GoBytes.decode(out.toByteArray());
  }

  /** Go's ServeMux redirect to the cleaned path: 301, an HTML body for GET and HEAD only. */
  static Answer redirect(String method, String clean, String rawQuery) {
    String location = clean + (rawQuery == null ? "" : "?" + rawQuery);
    Map<String, String> h = Map.of("Location", location);
    if (method.equals("GET") || method.equals("HEAD")) {
      return new Answer(301, "text/html; charset=utf-8",
          ("<a href=\"" + location + "\">Moved Permanently</a>.\n\n").getBytes(StandardCharsets.UTF_8), h);
    }
    return new Answer(301, null, new byte[0], h);
  }

  static Answer methodNotAllowed(String allowed) {
    return text(405, "Method Not Allowed\n", Map.of("Allow", allowed));
  }

  static Answer notFound() {
    return text(404, "404 page not found\n", Map.of());
  }

  private static Answer text(int status, String body, Map<String, String> headers) {
    return new Answer(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), headers);
  }

  private static Answer json(int status, String body, Map<String, String> headers) {
    return new Answer(status, "application/json", body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /** etcd's httptypes.HTTPError. */
  private static Answer httpError(int status, String message) {
    return json(status, "{\"message\":" + GoJsonText.quote(message) + "}", Map.of());
  }

  /** {@code /v2/members}, {@code /v2/machines} and {@code /v2/stats/*}. */
  static Answer other(String method, String path, V2Info info, Supplier<String> storeStats) {
    switch (path) {
      case "/v2/machines":
        if (!method.equals("GET") && !method.equals("HEAD")) {
          return methodNotAllowed("GET,HEAD");
        }
        List<String> urls = info.members().stream().flatMap(m -> m.clientUrls().stream()).toList();
        return text(200, String.join(", ", urls), Map.of());
      case "/v2/stats/store":
        return method.equals("GET") ? json(200, storeStats.get(), Map.of()) : methodNotAllowed("GET");
      case "/v2/stats/self":
        return method.equals("GET") ? json(200, self(info), Map.of()) : methodNotAllowed("GET");
      case "/v2/stats/leader":
        if (!method.equals("GET")) {
          return methodNotAllowed("GET");
        }
        if (!info.isLeader()) {
          return httpError(403, "not current leader");
        }
        return json(200, "{\"leader\":\"" + Long.toHexString(info.memberId()) + "\",\"followers\":{}}", Map.of());
      default:
        if (path.equals("/v2/members") || path.startsWith("/v2/members/")) {
          return members(method, path.substring("/v2/members".length()), info);
        }
        return notFound();
    }
  }

  private static Answer members(String method, String rest, V2Info info) {
    if (!List.of("GET", "POST", "DELETE", "PUT").contains(method)) {
      return methodNotAllowed("GET,POST,DELETE,PUT");
    }
    Map<String, String> cluster = Map.of("X-Etcd-Cluster-ID", Long.toHexString(info.clusterId()));
    if (!method.equals("GET")) {
      return httpError(405, "ketch: change members through the v3 Cluster API (etcdctl member add/remove/update)");
    }
    String sub = rest.startsWith("/") ? rest.substring(1) : rest;
    if (sub.isEmpty()) {
      StringBuilder b = new StringBuilder("{\"members\":[");
      List<V2Info.Member> ms = info.members();
      for (int i = 0; i < ms.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        member(b, ms.get(i));
      }
      return json(200, b.append("]}\n").toString(), cluster);
    }
    if (sub.equals("leader")) {
      long leader = info.leaderId();
      V2Info.Member m = info.members().stream().filter(x -> x.id() == leader).findFirst().orElse(null);
      if (leader == 0 || m == null) {
        return httpError(503, "During election");
      }
      StringBuilder b = new StringBuilder();
      member(b, m);
      return json(200, b.append('\n').toString(), cluster);
    }
    return httpError(404, "Not found");
  }

  private static void member(StringBuilder b, V2Info.Member m) {
    b.append("{\"id\":\"").append(Long.toHexString(m.id())).append("\",\"name\":").append(GoJsonText.quote(m.name()))
        .append(",\"peerURLs\":");
    strings(b, m.peerUrls());
    b.append(",\"clientURLs\":");
    strings(b, m.clientUrls());
    b.append('}');
  }

  private static void strings(StringBuilder b, List<String> list) {
    b.append('[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(GoJsonText.quote(list.get(i)));
    }
    b.append(']');
  }

  /** etcd's ServerStats JSON. */
  private static String self(V2Info info) {
    long now = System.currentTimeMillis() * 1_000_000L;
    String state = info.isLeader() ? "StateLeader" : "StateFollower";
    StringBuilder b = new StringBuilder("{\"name\":").append(GoJsonText.quote(info.name()))
        .append(",\"id\":\"").append(Long.toHexString(info.memberId())).append("\",\"state\":\"").append(state)
        .append("\",\"startTime\":\"").append(V2Json.time(info.startNanos())).append("\",\"leaderInfo\":{\"leader\":\"")
        .append(info.leaderId() == 0 ? "0" : Long.toHexString(info.leaderId())).append("\",\"uptime\":\"")
        .append(goDuration(now - info.leaderSinceNanos())).append("\",\"startTime\":\"")
        .append(V2Json.time(info.leaderSinceNanos())).append("\"},\"recvAppendRequestCnt\":0,\"sendAppendRequestCnt\":0}");
    return b.toString();
  }

  /** Go's time.Duration.String for a positive duration of at least a second, or in seconds below. */
  static String goDuration(long nanos) {
    if (nanos <= 0) {
      return "0s";
    }
    long h = nanos / 3_600_000_000_000L;
    long m = nanos / 60_000_000_000L % 60;
    long s = nanos / 1_000_000_000L % 60;
    long frac = nanos % 1_000_000_000L;
    StringBuilder b = new StringBuilder();
    if (h > 0) {
      b.append(h).append('h');
    }
    if (h > 0 || m > 0) {
      b.append(m).append('m');
    }
    b.append(s);
    if (frac > 0) {
      String f = String.format("%09d", frac).replaceAll("0+$", "");
      b.append('.').append(f);
    }
    return b.append('s').toString();
  }
}
