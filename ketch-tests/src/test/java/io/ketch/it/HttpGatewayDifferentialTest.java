package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * etcd's JSON gateway on the client port, against etcd: the same HTTP/1.1 requests (curl's kind)
 * to etcd 3.4 and to Ketch, answers compared by status and body after leaving out the cluster and
 * member IDs, the Raft term and a lease's remaining TTL. The script covers the KV, lease, maintenance, cluster, auth, lock and
 * election routes, etcd 3.4's {@code /v3beta} alias, requests as a user with a token in the
 * {@code Authorization} header, Go's JSON errors (syntax, types, base64, enums), unknown routes and
 * wrong methods, and the watch and lease keep-alive streams line by line. Where Ketch answers as etcd
 * 3.5+ does (a header in Alarm and Defragment answers, {@code /v3/maintenance/hashkv},
 * {@code /health}'s reason), it is checked against that instead.
 */
class HttpGatewayDifferentialTest {
  private static final Pattern IDS = Pattern.compile("\"(cluster_id|member_id|raft_term)\":\"\\d+\",?");
  /** A lease's remaining TTL depends on when each server was asked (999 or 1000). */
  private static final Pattern REMAINING_TTL = Pattern.compile("\"TTL\":\"\\d+\",\"grantedTTL\"");
  private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");
  private static final String END = new String("end of stream");

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void gatewayAnswersAsEtcds() throws Exception {
    try (EtcdOracle etcd = new EtcdOracle(); KetchNode ketch = new KetchNode()) {
      List<String> differences = new ArrayList<>();
      int compared = 0;
      for (String[] step : script()) {
        String path = step[0];
        String body = step[1];
        String expected = call(etcd, "POST", path, body, null);
        String actual = call(ketch, "POST", path, body, null);
        compared++;
        if (!expected.equals(actual)) {
          differences.add(path + " " + body + "\n  etcd:  " + expected + "\n  ketch: " + actual);
        }
      }
      // routes, methods and streams
      for (String[] other : new String[][] {{"GET", "/v3/kv/range"}, {"POST", "/v3/nope"}, {"GET", "/nope"},
          {"POST", "/v3beta/kv/range"}, {"POST", "/v3alpha/kv/range"}}) {
        String expected = call(etcd, other[0], other[1], "{\"key\":\"YQ==\"}", null);
        String actual = call(ketch, other[0], other[1], "{\"key\":\"YQ==\"}", null);
        compared++;
        if (!expected.equals(actual)) {
          differences.add(other[0] + " " + other[1] + "\n  etcd:  " + expected + "\n  ketch: " + actual);
        }
      }
      for (String[] stream : new String[][] {
          {"/v3/watch", "{\"create_request\":{\"key\":\"YQ==\",\"range_end\":\"Yg==\",\"start_revision\":\"1\"}}"},
          {"/v3/watch", "{\"create_request\":{\"key\":\"YQ==\",\"range_end\":\"Yg==\",\"start_revision\":\"3\"}}"},
          {"/v3/watch", "{\"create_request\":{\"key\":\"YQ==\",\"start_revision\":\"4\",\"prev_kv\":true,"
              + "\"filters\":[\"NODELETE\"]}}"},
          {"/v3/watch", "{\"create_request\":{\"key\":\"YQ==\",\"start_revision\":\"-5\"}}"},
          {"/v3/watch", "{\"create_request\":{\"key\":\"!!\"}}"},
          // a future revision: etcd sends history on its own schedule, so a cancel right after a
          // create from the past races with it there
          {"/v3/watch", "{\"create_request\":{\"key\":\"YQ==\",\"start_revision\":\"100\"}}"
              + "{\"cancel_request\":{\"watch_id\":\"0\"}}"},
          {"/v3/lease/keepalive", "{\"ID\":\"7\"}"},
          {"/v3/lease/keepalive", "{\"ID\":\"8\"}{\"ID\":\"7\"}"}}) {
        String expected = streamLines(etcd, stream[0], stream[1]);
        String actual = streamLines(ketch, stream[0], stream[1]);
        compared++;
        if (!expected.equals(actual)) {
          differences.add(stream[0] + " " + stream[1] + "\n  etcd:  " + expected + "\n  ketch: " + actual);
        }
      }
      assertEquals(List.of(), differences, differences.size() + " of " + compared + " requests answered differently");

      // etcd 3.5+ behaviour, checked on Ketch alone
      assertEquals("200 {\"health\":\"true\",\"reason\":\"\"}", call(ketch, "GET", "/health", "", null));
      assertEquals("200 {\"health\":\"true\"}", call(etcd, "GET", "/health", "", null), "etcd 3.4's older form");
      assertTrue(call(ketch, "GET", "/version", "", null).matches("200 \\{\"etcdserver\":\"3\\.\\d+\\.\\d+\","
          + "\"etcdcluster\":\"3\\.\\d+\\.0\"}"));
      assertTrue(call(ketch, "POST", "/v3/maintenance/hashkv", "{}", null).matches(
          "200 \\{\"header\":\\{\"revision\":\"\\d+\"},\"hash\":\\d+,\"compact_revision\":\"-?\\d+\".*"));
      String snapshot = call(ketch, "POST", "/v3/maintenance/snapshot", "{}", null);
      assertTrue(snapshot.startsWith("200 {\"result\":{\"remaining_bytes\":\"") && snapshot.contains("{\"result\":{\"blob\":"),
          snapshot.substring(0, Math.min(200, snapshot.length())));
      assertEquals("200 {\"header\":{\"revision\":\"" + revision(ketch) + "\"}}",
          call(ketch, "POST", "/v3/maintenance/defragment", "{}", null));
      assertEquals("200 ok\n", call(ketch, "GET", "/readyz", "", null));
      assertEquals("405 Method Not Allowed\n", call(ketch, "POST", "/health", "", null));
    }
  }

  /** The requests both servers get, in order: [path, body]. */
  private static List<String[]> script() {
    List<String[]> s = new ArrayList<>();
    // KV
    s.add(new String[] {"/v3/kv/put", "{\"key\":\"YQ==\",\"value\":\"MQ==\",\"prev_kv\":true}"});
    s.add(new String[] {"/v3/kv/put", "{\"key\":\"YQ==\",\"value\":\"Mg==\",\"prev_kv\":true}"});
    s.add(new String[] {"/v3/kv/put", "{\"key\":\"YWI=\",\"value\":\"PCY+\"}"});
    s.add(new String[] {"/v3/kv/put", "{\"key\":\"Yg==\",\"value\":\"Mw==\",\"lease\":\"99\"}"});
    s.add(new String[] {"/v3/kv/put", "{\"key\":\"YQ==\",\"ignore_value\":true}"});
    s.add(new String[] {"/v3/kv/put", "{\"key\":\"\",\"value\":\"MQ==\"}"});
    s.add(new String[] {"/v3beta/kv/put", "{\"key\":\"Yw==\",\"value\":\"NA==\"}"});
    s.add(new String[] {"/v3/kv/range", "{\"key\":\"YQ==\"}"});
    s.add(new String[] {"/v3/kv/range", "{\"key\":\"YQ==\",\"range_end\":\"ZA==\",\"sort_order\":\"DESCEND\","
        + "\"sort_target\":\"MOD\",\"limit\":\"2\"}"});
    s.add(new String[] {"/v3/kv/range", "{\"key\":\"YQ==\",\"range_end\":\"ZA==\",\"count_only\":true}"});
    s.add(new String[] {"/v3/kv/range", "{\"key\":\"YQ==\",\"range_end\":\"ZA==\",\"keys_only\":true,\"revision\":\"2\"}"});
    s.add(new String[] {"/v3/kv/range", "{\"key\":\"YQ==\",\"revision\":\"100\"}"});
    s.add(new String[] {"/v3/kv/range", "{\"key\":\"AA==\",\"range_end\":\"AA==\",\"min_create_revision\":\"3\"}"});
    s.add(new String[] {"/v3/kv/txn", "{\"compare\":[{\"key\":\"YQ==\",\"target\":\"VALUE\",\"value\":\"Mg==\"}],"
        + "\"success\":[{\"request_put\":{\"key\":\"ZA==\",\"value\":\"NQ==\"}},{\"request_range\":{\"key\":\"ZA==\"}}],"
        + "\"failure\":[{\"request_range\":{\"key\":\"YQ==\"}}]}"});
    s.add(new String[] {"/v3/kv/txn", "{\"compare\":[{\"key\":\"YQ==\",\"result\":\"GREATER\",\"target\":\"MOD\","
        + "\"mod_revision\":\"100\"}],\"failure\":[{\"request_delete_range\":{\"key\":\"ZA==\",\"prev_kv\":true}},"
        + "{\"request_txn\":{\"success\":[{\"request_range\":{\"key\":\"Yw==\"}}]}}]}"});
    s.add(new String[] {"/v3/kv/txn", "{\"compare\":[{\"key\":\"YQ==\",\"target\":\"BOGUS\"}]}"});
    s.add(new String[] {"/v3/kv/txn", "{\"success\":[{\"request_put\":{\"key\":\"ZQ==\"}},{\"request_put\":{\"key\":\"ZQ==\"}}]}"});
    s.add(new String[] {"/v3/kv/deleterange", "{\"key\":\"Yw==\",\"prev_kv\":true}"});
    s.add(new String[] {"/v3/kv/deleterange", "{\"key\":\"eg==\"}"});
    s.add(new String[] {"/v3/kv/compaction", "{\"revision\":\"3\"}"});
    s.add(new String[] {"/v3/kv/compaction", "{\"revision\":\"300\"}"});
    s.add(new String[] {"/v3/kv/compaction", "{\"revision\":\"2\"}"});
    s.add(new String[] {"/v3/kv/range", "{\"key\":\"YQ==\",\"revision\":\"2\"}"});
    // Go's JSON errors
    for (String bad : List.of("{\"key\":\"Zm9\"", "{\"key\":\"!!\"}", "{\"key\":\"YQ==\",\"limit\":\"x\"}", "{\"key\":1}",
        "", "null", "[1]", "{\"key\":\"YQ==\",}", "{\"key\":\"YQ==\" \"a\":1}", "{\"key\":\"YQ==\",\"limit\":1.5}",
        "{\"key\":\"YQ==\",\"limit\":true}", "{\"key\":\"YQ==\",\"serializable\":\"yes\"}",
        "{\"key\":\"YQ==\",\"sort_order\":\"FOO\"}", "{\"key\":\"YQ==\",\"sort_order\":9}",
        "{\"key\":\"YQ==\",\"sort_order\":true}", "{\"key\":\"Zm9v==\"}", "{\"key\":\"Zm 9v\"}",
        "{\"key\":\"YQ==\",\"limit\":\"12345678901234567890\"}", "{\"key\":\"YQ==\",\"limit\":\"0x10\"}",
        "{\"key\":\"YQ==\",\"limit\":tru}", "{\"key\":\"a\\x\"}", "{\"key\":\"YQ==\",\"limit\":-}", "{\"kee\":\"YQ==\"}",
        "{\"key\":\"YQ==\"} trailing")) {
      s.add(new String[] {"/v3/kv/range", bad});
    }
    s.add(new String[] {"/v3/kv/txn", "{\"compare\":{\"key\":\"YQ==\"}}"});
    s.add(new String[] {"/v3/kv/txn", "{\"compare\":[\"x\"]}"});
    // leases (explicit IDs: granted IDs are random on etcd)
    s.add(new String[] {"/v3/lease/grant", "{\"TTL\":\"1000\",\"ID\":\"7\"}"});
    s.add(new String[] {"/v3/lease/grant", "{\"TTL\":\"1000\",\"ID\":\"7\"}"});
    s.add(new String[] {"/v3/lease/grant", "{\"TTL\":\"1000\",\"ID\":\"8\"}"});
    s.add(new String[] {"/v3/kv/put", "{\"key\":\"bA==\",\"value\":\"MQ==\",\"lease\":\"7\"}"});
    s.add(new String[] {"/v3/lease/timetolive", "{\"ID\":\"7\",\"keys\":true}"});
    s.add(new String[] {"/v3/kv/lease/timetolive", "{\"ID\":\"99\"}"});
    s.add(new String[] {"/v3/lease/leases", "{}"});
    s.add(new String[] {"/v3/kv/lease/leases", "{}"});
    s.add(new String[] {"/v3/lease/revoke", "{\"ID\":\"8\"}"});
    s.add(new String[] {"/v3/kv/lease/revoke", "{\"ID\":\"8\"}"});
    // lock and election, on a lease
    s.add(new String[] {"/v3/lock/lock", "{\"name\":\"bG9jaw==\",\"lease\":\"7\"}"});
    s.add(new String[] {"/v3/lock/unlock", "{\"key\":\"bG9jay8w\"}"});
    s.add(new String[] {"/v3/election/campaign", "{\"name\":\"ZWw=\",\"value\":\"dg==\",\"lease\":\"7\"}"});
    s.add(new String[] {"/v3/election/leader", "{\"name\":\"ZWw=\"}"});
    s.add(new String[] {"/v3/election/leader", "{\"name\":\"bm9uZQ==\"}"});
    // maintenance and cluster: what does not name this member
    s.add(new String[] {"/v3/maintenance/transfer-leadership", "{\"targetID\":\"5\"}"});
    s.add(new String[] {"/v3/cluster/member/promote", "{\"ID\":\"5\"}"});
    s.add(new String[] {"/v3/cluster/member/remove", "{\"ID\":\"5\"}"});
    s.add(new String[] {"/v3/cluster/member/update", "{\"ID\":\"5\",\"peerURLs\":[\"http://127.0.0.1:1\"]}"});
    s.add(new String[] {"/v3/cluster/member/add", "{\"peerURLs\":[\"bad\"]}"});
    // auth
    s.add(new String[] {"/v3/auth/authenticate", "{\"name\":\"u\",\"password\":\"x\"}"});
    s.add(new String[] {"/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"rootpw\"}"});
    s.add(new String[] {"/v3/auth/user/add", "{\"name\":\"u\",\"password\":\"pw\"}"});
    s.add(new String[] {"/v3/auth/user/add", "{\"name\":\"u\",\"password\":\"pw\"}"});
    s.add(new String[] {"/v3/auth/role/add", "{\"name\":\"root\"}"});
    s.add(new String[] {"/v3/auth/role/add", "{\"name\":\"r\"}"});
    s.add(new String[] {"/v3/auth/role/grant", "{\"name\":\"r\",\"perm\":{\"permType\":\"READWRITE\",\"key\":\"YQ==\","
        + "\"range_end\":\"Yg==\"}}"});
    s.add(new String[] {"/v3/auth/role/get", "{\"role\":\"r\"}"});
    s.add(new String[] {"/v3/auth/user/grant", "{\"user\":\"u\",\"role\":\"r\"}"});
    s.add(new String[] {"/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}"});
    s.add(new String[] {"/v3/auth/user/get", "{\"name\":\"u\"}"});
    s.add(new String[] {"/v3/auth/user/list", "{}"});
    s.add(new String[] {"/v3/auth/role/list", "{}"});
    s.add(new String[] {"/v3/auth/enable", "{}"});
    s.add(new String[] {"/v3/kv/range", "{\"key\":\"YQ==\"}"});
    s.add(new String[] {"/v3/auth/authenticate", "{\"name\":\"u\",\"password\":\"wrong\"}"});
    s.add(new String[] {"AS u /v3/kv/range", "{\"key\":\"YQ==\"}"});
    s.add(new String[] {"AS u /v3/kv/put", "{\"key\":\"YWE=\",\"value\":\"MQ==\"}"});
    s.add(new String[] {"AS u /v3/kv/put", "{\"key\":\"eg==\",\"value\":\"MQ==\"}"});
    s.add(new String[] {"AS u /v3/kv/range", "{\"key\":\"YQ==\",\"range_end\":\"AA==\"}"});
    s.add(new String[] {"AS u /v3/auth/user/list", "{}"});
    s.add(new String[] {"AS root /v3/auth/disable", "{}"});
    s.add(new String[] {"/v3/kv/range", "{\"key\":\"YWE=\"}"});
    return s;
  }

  /** "status body" of one request, IDs and terms left out; "AS user path" sends that user's token. */
  private String call(Endpoint e, String method, String path, String body, String token) throws Exception {
    if (path.startsWith("AS ")) {
      String[] parts = path.split(" ");
      String password = parts[1].equals("root") ? "rootpw" : "pw";
      String auth = call(e, "POST", "/v3/auth/authenticate",
          "{\"name\":\"" + parts[1] + "\",\"password\":\"" + password + "\"}", null);
      Matcher m = TOKEN.matcher(auth);
      assertTrue(m.find(), e.name() + " gave no token: " + auth);
      return call(e, method, parts[2], body, m.group(1));
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + e.address() + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body.isEmpty() && !method.equals("POST") ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", token);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    String text = r.statusCode() + " " + REMAINING_TTL.matcher(IDS.matcher(r.body()).replaceAll(""))
        .replaceAll("\"TTL\":\"(remaining)\",\"grantedTTL\"");
    return text.replace(",}", "}");
  }

  /**
   * A streaming route's answer: its status and every line that arrives until none has for a second
   * (a watch stays open), IDs and terms left out.
   */
  private String streamLines(Endpoint e, String path, String body) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + e.address() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        for (String l = in.readLine(); l != null; l = in.readLine()) {
          lines.add(l);
        }
      } catch (IOException closed) {
        // the test closed the stream
      }
      lines.add(END);
    }, "stream-reader");
    reader.setDaemon(true);
    reader.start();
    StringBuilder out = new StringBuilder().append(r.statusCode()).append('\n');
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    try {
      while (System.nanoTime() < deadline) {
        String l = lines.poll(1, TimeUnit.SECONDS);
        if (l == null || l == END) {
          break;
        }
        out.append(IDS.matcher(l).replaceAll("").replace(",}", "}")).append('\n');
      }
    } finally {
      r.body().close();
    }
    return out.toString();
  }

  private long revision(Endpoint e) throws Exception {
    Matcher m = Pattern.compile("\"revision\":\"(\\d+)\"").matcher(call(e, "POST", "/v3/kv/range", "{\"key\":\"YQ==\"}",
        null));
    assertTrue(m.find());
    return Long.parseLong(m.group(1));
  }
}
