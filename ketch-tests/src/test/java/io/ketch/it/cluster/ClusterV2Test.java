package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The v2 keys API on a 3-member cluster ({@code --enable-v2}): v2 writes made at once through every
 * member are ordered as one store (in-order keys all distinct, their names the indexes they were
 * created at, listed alike by every member; compare-and-swap increments from three members lose
 * none); a TTL set through one member expires on the leader and the {@code expire} event reaches a
 * watcher on another member; after the leader is killed, a TTL set before still expires under the
 * new leader.
 */
class ClusterV2Test {
  private static final Pattern MODIFIED = Pattern.compile("\"modifiedIndex\":(\\d+)");
  private static final Pattern VALUE = Pattern.compile("\"value\":\"(\\d+)\"");
  private static final Pattern KEY = Pattern.compile("\"key\":\"(/queue/\\d+)\"");

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void v2WritesThroughEveryMemberFormOneStore() throws Exception {
    try (KetchCluster cluster = KetchCluster.start(3, 3, "--enable-v2", "--election-timeout", "500",
        "--heartbeat-interval", "50")) {
      cluster.awaitConverged(60_000);
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        // in-order keys and CAS increments, from all three members at once
        call(cluster.member(1), "PUT", "/v2/keys/counter", "value=0");
        List<Future<List<String>>> created = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
          MemberProcess m = cluster.member(i);
          created.add(pool.submit(() -> {
            List<String> keys = new ArrayList<>();
            for (int n = 0; n < 15; n++) {
              String r = call(m, "POST", "/v2/keys/queue", "value=" + m.index());
              assertTrue(r.startsWith("201 "), r);
              Matcher k = KEY.matcher(r);
              assertTrue(k.find(), r);
              Matcher idx = MODIFIED.matcher(r);
              assertTrue(idx.find(), r);
              assertEquals(Long.parseLong(idx.group(1)), Long.parseLong(k.group(1).substring("/queue/".length())),
                  "an in-order key is named by the index it was created at: " + r);
              keys.add(k.group(1));
              increment(m);
            }
            return keys;
          }));
        }
        Set<String> all = new HashSet<>();
        for (Future<List<String>> f : created) {
          all.addAll(f.get());
        }
        assertEquals(45, all.size(), "every in-order key is distinct");
        String counter = call(cluster.member(2), "GET", "/v2/keys/counter?quorum=true", null);
        Matcher v = VALUE.matcher(counter);
        assertTrue(v.find(), counter);
        assertEquals("45", v.group(1), "no compare-and-swap increment lost: " + counter);

        String listing = body(call(cluster.member(1), "GET", "/v2/keys/queue?sorted=true&quorum=true", null));
        for (int i = 2; i <= 3; i++) {
          assertEquals(listing, body(call(cluster.member(i), "GET", "/v2/keys/queue?sorted=true&quorum=true", null)),
              "member " + i + " lists the same tree");
        }

        // a TTL set through member 1 expires; a watcher on member 3 is told
        String set = call(cluster.member(1), "PUT", "/v2/keys/session", "value=x&ttl=1");
        Matcher at = MODIFIED.matcher(set);
        assertTrue(at.find(), set);
        long next = Long.parseLong(at.group(1)) + 1;
        String expired = call(cluster.member(3), "GET", "/v2/keys/session?wait=true&waitIndex=" + next, null);
        assertTrue(expired.startsWith("200 {\"action\":\"expire\",\"node\":{\"key\":\"/session\""), expired);
        assertTrue(call(cluster.member(2), "GET", "/v2/keys/session", null).startsWith("404 "));

        // the leader dies: a TTL set before still expires, under the new leader
        String before = call(cluster.member(1), "PUT", "/v2/keys/survivor", "value=y&ttl=3");
        Matcher s = MODIFIED.matcher(before);
        assertTrue(s.find(), before);
        int leader = cluster.awaitLeader(30_000);
        cluster.member(leader).kill();
        List<Integer> survivors = new ArrayList<>(List.of(1, 2, 3));
        survivors.remove(Integer.valueOf(leader));
        int other = survivors.get(0);
        cluster.awaitLeader(30_000, survivors);
        CompletableFuture<String> watch = CompletableFuture.supplyAsync(() -> {
          try {
            return call(cluster.member(other), "GET", "/v2/keys/survivor?wait=true&waitIndex="
                + (Long.parseLong(s.group(1)) + 1), null);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        }, pool);
        String gone = watch.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(gone.startsWith("200 {\"action\":\"expire\",\"node\":{\"key\":\"/survivor\""), gone);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** One compare-and-swap increment of /counter, tried again while another member's write gets in first. */
  private void increment(MemberProcess m) throws Exception {
    for (int attempt = 0; attempt < 200; attempt++) {
      String cur = call(m, "GET", "/v2/keys/counter?quorum=true", null);
      Matcher v = VALUE.matcher(cur);
      Matcher idx = MODIFIED.matcher(cur);
      assertTrue(v.find() && idx.find(), cur);
      String r = call(m, "PUT", "/v2/keys/counter?prevIndex=" + idx.group(1),
          "value=" + (Long.parseLong(v.group(1)) + 1));
      if (r.startsWith("200 ")) {
        return;
      }
      assertTrue(r.startsWith("412 {\"errorCode\":101"), r);
    }
    throw new AssertionError("no increment after 200 attempts");
  }

  private static String body(String answer) {
    return answer.substring(answer.indexOf(' ') + 1);
  }

  /** "status body" of one request; {@code form} is sent url-encoded as curl -d sends it. */
  private String call(MemberProcess m, String method, String pathAndQuery, String form) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + m.address() + pathAndQuery))
        .timeout(Duration.ofSeconds(60));
    if (form != null) {
      b.header("Content-Type", "application/x-www-form-urlencoded");
      b.method(method, HttpRequest.BodyPublishers.ofString(form));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return r.statusCode() + " " + r.body();
  }
}
