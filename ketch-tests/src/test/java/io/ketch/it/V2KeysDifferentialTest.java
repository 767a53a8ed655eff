package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * etcd's v2 keys API ({@code --enable-v2}), against etcd 3.4: the same curl-style HTTP/1.1
 * requests (form bodies as {@code curl -d} sends them) to etcd and to Ketch, answers compared by
 * status, the headers {@code Content-Type}, {@code X-Etcd-Index}, {@code Allow}, {@code Location}
 * and {@code X-Content-Type-Options}, and the body.
 *
 * <p>Normalisation: each server's v2 index is counted from the index B its first write
 * ({@code PUT /v2/keys/_base}) got, so every index number N ≥ B (in {@code modifiedIndex},
 * {@code createdIndex}, an error's {@code index}, {@code X-Etcd-Index}, an in-order key's 20-digit
 * name and a "Compare failed" cause) is written {@code @(N-B)}; numbers below B (an error index 0
 * for a request that did not parse) stay. In a request, {@code @n} stands for B+n. A node's
 * {@code expiration} and {@code ttl} depend on when each server was asked and become {@code T} and
 * {@code "n"}. A listing asked for without {@code sorted=true} comes in Go's map order on etcd, so
 * its {@code nodes} arrays are sorted before comparing. Values a failed {@code prevValue} compare
 * echoes in its cause are never numbers, which would read as indexes.
 *
 * <p>The script covers sets, gets, listings (hidden keys, sorted, recursive), directories, in-order
 * keys (POST), deletes, compare-and-swap and compare-and-delete, prevExist, TTLs and refresh,
 * noValueOnSuccess, quorum reads, HEAD, OPTIONS and unsupported methods, every parameter parse
 * error, values and keys that need escaping, paths Go's mux redirects, watches answered from history
 * and long polls (set, recursive, a hidden child, a deleted parent, compareAndDelete, TTL expiry),
 * and {@code /v2/machines}, {@code /v2/members} and {@code /v2/stats/self} by their shape.
 * Each request's etcd answer is printed, so the output is also a transcript of etcd 3.4's behaviour.
 */
class V2KeysDifferentialTest {
  private static final String FORM = "application/x-www-form-urlencoded";
  private static final List<String> HEADERS = List.of("Content-Type", "X-Etcd-Index", "Allow", "Location",
      "X-Content-Type-Options");
  private static final Pattern INDEX = Pattern.compile("\"(modifiedIndex|createdIndex|index)\":(\\d+)");
  /** An in-order key's name: its creating index, zero-padded to 20 digits. */
  private static final Pattern IN_ORDER = Pattern.compile("/(\\d{20})(?=[/\"])");
  /** "Compare failed" causes: {@code [prevValue != value]}, {@code [prevIndex != modifiedIndex]}. */
  private static final Pattern COMPARE = Pattern.compile("\\[([^\\[\\]\"]*) != ([^\\[\\]\"]*)]");
  private static final Pattern EXPIRATION = Pattern.compile("\"expiration\":\"[^\"]*\"");
  private static final Pattern TTL = Pattern.compile("\"ttl\":-?\\d+");
  private static final Pattern RELATIVE = Pattern.compile("@(\\d+)");
  private static final Pattern SORTED = Pattern.compile("[?&]sorted=(1|t|T|true|TRUE|True)(&|$)");
  private static final Pattern MODIFIED = Pattern.compile("\"modifiedIndex\":(\\d+)");
  /** How long a long poll may take to send its headers (etcd flushes them when the watch is registered). */
  private static final long HEADERS_SECONDS = 5;
  /** How long a long poll may take to answer after its trigger (a TTL of 1 s expires within 1.5 s on etcd). */
  private static final long ANSWER_SECONDS = 10;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "v2-watch-reader");
    t.setDaemon(true);
    return t;
  });
  private final List<String> differences = new ArrayList<>();
  private int compared;
  private Side etcd;
  private Side ketch;

  @Test
  void v2KeysAnswerAsEtcds() throws Exception {
    try (EtcdOracle e = new EtcdOracle("--enable-v2"); KetchNode k = new KetchNode("--enable-v2")) {
      etcd = new Side(e);
      ketch = new Side(k);
      etcd.awaitClusterVersion();
      ketch.awaitClusterVersion();
      compare("PUT /v2/keys/_base -d value=base", etcd.findBase(), ketch.findBase());
      script();
    } finally {
      readers.shutdownNow();
    }
    assertEquals(List.of(), differences, differences.size() + " of " + compared + " requests answered differently");
  }

  private void script() throws Exception {
    String k = "/v2/keys";
    // sets and gets (the indexes in the comments are relative to _base, which is @0)
    step("GET", k + "/foo", null);
    step("PUT", k + "/foo", "value=bar"); // @1, 201
    step("PUT", k + "/foo", "value=baz"); // @2, 200 with prevNode
    step("GET", k + "/foo", null);
    step("GET", k + "/nope", null);
    step("GET", k + "/a/b/c", null); // the cause names the first missing ancestor
    step("PUT", k + "/a/b/c", "value=1"); // @3, implicit directories
    step("GET", k + "/a/b/c", null);
    step("GET", k + "/a", null);
    step("GET", k + "/a/b/", null);
    step("PUT", k + "/a/b/d", "value=2"); // @4
    step("PUT", k + "/a/e", "value=3"); // @5
    step("GET", k + "/a", null);
    step("GET", k + "/a?recursive=true", null);
    step("GET", k + "/a?recursive=true&sorted=true", null);
    step("GET", k + "/a?recursive=1&sorted=T", null);
    step("GET", k + "/a/b/c?recursive=true", null);
    // the root, hidden keys
    step("GET", k + "/", null);
    step("GET", k, null);
    step("GET", k + "?sorted=true", null);
    step("GET", k + "/?recursive=true&sorted=true", null);
    step("GET", k + "/_base", null);
    step("PUT", k + "/h/_hid", "value=1"); // @6
    step("PUT", k + "/h/vis", "value=2"); // @7
    step("GET", k + "/h?recursive=true&sorted=true", null);
    step("GET", k + "/h/_hid", null);
    // directories
    step("PUT", k + "/dir1?dir=true", null); // @8
    step("PUT", k + "/dir1", "dir=true");
    step("PUT", k + "/dir1", "value=x");
    step("PUT", k + "/dir1?dir=true", null);
    step("PUT", k + "/dir1?dir=true&prevExist=false", null);
    step("PUT", k + "/dir2?dir=true", "value=ignored"); // @9
    step("GET", k + "/dir2", null);
    step("PUT", k + "/foo/x", "value=x");
    step("POST", k + "/foo", "value=x");
    // prevExist
    step("PUT", k + "/foo?prevExist=false", "value=x");
    step("PUT", k + "/nokey?prevExist=true", "value=x");
    step("PUT", k + "/foo?prevExist=true", "value=upd"); // @10, update
    step("PUT", k + "/new1?prevExist=false", "value=c"); // @11, create
    step("PUT", k + "/foo?prevExist=TRUE", "value=u2"); // @12, Go's ParseBool
    step("PUT", k + "/dir1?prevExist=true", "value=x");
    // compare-and-swap
    step("PUT", k + "/foo?prevValue=u2", "value=cas1"); // @13
    step("PUT", k + "/foo?prevValue=nomatch", "value=y");
    step("PUT", k + "/foo?prevIndex=@13", "value=cas2"); // @14
    step("PUT", k + "/foo?prevIndex=@1", "value=z");
    step("PUT", k + "/foo?prevIndex=@1&prevValue=q", "value=z");
    step("PUT", k + "/foo?prevIndex=@14&prevValue=q", "value=z");
    step("PUT", k + "/foo?prevIndex=@1&prevValue=cas2", "value=z");
    step("PUT", k + "/nokey2?prevValue=q", "value=z");
    step("PUT", k + "/nokey3?prevIndex=@2", "value=z");
    step("PUT", k + "/a?prevValue=q", "value=z");
    step("PUT", k + "/ev", "value="); // @15, an empty value
    step("PUT", k + "/ev?prevExist=true&prevValue=x", "value=1");
    step("PUT", k + "/nov", null); // @16, no value at all
    step("PUT", k + "/foo?prevIndex=0", "value=p0"); // @17, prevIndex 0 is no condition
    // parameters that do not parse
    step("PUT", k + "/foo?prevValue=", "value=z");
    step("PUT", k + "/foo?prevIndex=abc", "value=z");
    step("PUT", k + "/foo?prevIndex=-1", "value=z");
    step("PUT", k + "/foo?ttl=abc", "value=z");
    step("PUT", k + "/foo", "value=z&ttl=-1");
    step("PUT", k + "/foo?ttl=1.5", "value=z");
    step("PUT", k + "/foo?ttl=99999999999999999999", "value=z");
    step("GET", k + "/foo?recursive=maybe", null);
    step("GET", k + "/foo?sorted=x", null);
    step("GET", k + "/foo?quorum=maybe", null);
    step("GET", k + "/foo?wait=maybe", null);
    step("GET", k + "/foo?wait=true&waitIndex=abc", null);
    step("PUT", k + "/foo?dir=x", null);
    step("PUT", k + "/foo?prevExist=x", "value=z");
    step("PUT", k + "/foo?refresh=x", "value=z");
    step("PUT", k + "/foo?noValueOnSuccess=x", "value=z");
    step("PUT", k + "/foo?wait=true", "value=z");
    step("POST", k + "/foo?wait=true", "value=z");
    step("DELETE", k + "/foo?wait=true", null);
    step("GET", k + "/foo?stream=true&consistent=true&bogus=1", null);
    // in-order keys
    step("POST", k + "/queue", "value=j1"); // @18, /queue/<index>
    step("POST", k + "/queue", "value=j2"); // @19
    step("GET", k + "/queue?sorted=true", null);
    step("GET", k + "/queue", null);
    step("POST", k + "/qd?dir=true", null); // @20, an in-order directory
    step("POST", k + "/queue?prevExist=true", "value=j3"); // @21, prevExist is ignored
    step("POST", k + "/queue?noValueOnSuccess=true", "value=j4"); // @22
    step("POST", k + "/", "value=r"); // @23, in the root
    step("GET", k + "/queue?recursive=true&sorted=true", null);
    step("GET", k + "/qd?recursive=true&sorted=true", null);
    // deletes
    step("DELETE", k + "/new1", null); // @24
    step("DELETE", k + "/new1", null);
    step("DELETE", k + "/a", null);
    step("DELETE", k + "/a?dir=true", null);
    step("DELETE", k + "/dir1?dir=true", null); // @25
    step("DELETE", k + "/a?recursive=true", null); // @26
    step("GET", k + "/a", null);
    step("GET", k + "/a/b/c", null);
    step("PUT", k + "/cad", "value=v"); // @27
    step("DELETE", k + "/cad?prevValue=w", null);
    step("DELETE", k + "/cad?prevIndex=@1", null);
    step("DELETE", k + "/cad?prevIndex=@1&prevValue=w", null);
    step("DELETE", k + "/cad?prevValue=v", null); // @28, compareAndDelete
    step("PUT", k + "/cad", "value=v2"); // @29
    step("DELETE", k + "/cad?prevIndex=@29", null); // @30
    step("DELETE", k + "/cad?prevValue=x", null);
    step("DELETE", k + "/cad?prevValue=", null);
    step("DELETE", k + "/queue?prevValue=x", null);
    step("DELETE", k + "/dir2?prevIndex=@9&recursive=true", null);
    step("PUT", k + "/cad", "value=v3"); // @31
    step("DELETE", k + "/cad?prevExist=true", null); // @32
    step("PUT", k + "/pe", "value=1"); // @33
    step("DELETE", k + "/pe?dir=true", null); // @34, a file deleted with dir=true
    step("DELETE", k + "/", null);
    step("DELETE", k, null);
    step("DELETE", k + "/?recursive=true", null);
    step("PUT", k + "/", "value=1");
    step("PUT", k + "/?dir=true", null);
    step("POST", k + "/dir2", "value=x"); // @35, into a directory that exists
    // noValueOnSuccess
    step("PUT", k + "/nv?noValueOnSuccess=true", "value=v"); // @36
    step("PUT", k + "/nv?noValueOnSuccess=true", "value=v2"); // @37
    step("PUT", k + "/nv?noValueOnSuccess=true&prevValue=zz", "value=v3");
    step("GET", k + "/nv?noValueOnSuccess=true", null);
    step("DELETE", k + "/nv?noValueOnSuccess=true", null); // @38
    // TTLs and refresh
    step("PUT", k + "/t1?ttl=100", "value=v"); // @39
    step("GET", k + "/t1", null);
    step("PUT", k + "/t1?refresh=true&ttl=100", null); // @40
    step("PUT", k + "/t1?refresh=true&ttl=100", "value=x");
    step("PUT", k + "/t1?refresh=true", null);
    step("PUT", k + "/t1?refresh=true&ttl=100&prevValue=v", null); // @41
    step("PUT", k + "/t1?refresh=true&ttl=100&prevValue=q", null);
    step("PUT", k + "/nope?refresh=true&ttl=100", null);
    step("PUT", k + "/t1?ttl=&prevExist=true", "value=v"); // @42, the TTL removed
    step("GET", k + "/t1", null);
    step("PUT", k + "/t2?ttl=", "value=v"); // @43
    step("PUT", k + "/t3", "value=v&ttl=100"); // @44
    step("PUT", k + "/tdir?dir=true&ttl=100", null); // @45
    step("PUT", k + "/tdir?dir=true&prevExist=true&ttl=200", null); // @46
    step("PUT", k + "/tdir/c", "value=1"); // @47
    step("GET", k + "/tdir?recursive=true&sorted=true", null);
    step("PUT", k + "/tdir?dir=true&prevExist=true&ttl=", null); // @48
    step("GET", k + "/tdir", null);
    // methods
    step("GET", k + "/t2?quorum=true", null);
    step("GET", k + "/t2?quorum=true&recursive=true&sorted=true", null);
    step("GET", k + "/nope?quorum=true", null);
    step("HEAD", k + "/t2", null);
    step("HEAD", k + "/nope", null);
    step("PATCH", k + "/t2", null);
    step("OPTIONS", k + "/t2", null);
    // values and keys that need escaping
    step("PUT", k + "/sp", "value=" + URLEncoder.encode("<&> é 日本 a+b", StandardCharsets.UTF_8)); // @49
    step("PUT", k + "/sp2", "value=a+b%2Bc d"); // @50
    step("PUT", k + "/sp3?value=q%20v+w", null); // @51, the value in the query
    step("PUT", k + "/sp3?value=q", "value=body"); // @52, the body wins
    step("PUT", k + "/sp4?value=q&value=r", null); // @53, the first one
    step("PUT", k + "/sp5", "value=" + URLEncoder.encode("l1\nl2\t\"q\"\\ \u0001 \u007f \u2028 /", StandardCharsets.UTF_8));
    step("PUT", k + "/sp6", "value=%FF%FEok%EF%BF%BD"); // @55, not UTF-8, then a real U+FFFD
    step("GET", k + "/sp6", null);
    stepTyped("PUT", k + "/js", "application/json", "{\"value\":\"1\"}"); // @56, a JSON body is not read
    step("PUT", k + "/a%20b/c%2Fd", "value=1"); // @57, the key /a b/c/d
    step("GET", k + "/a%20b?recursive=true&sorted=true", null);
    step("PUT", k + "/%E6%97%A5", "value=1"); // @58
    step("GET", k + "/%E6%97%A5", null);
    step("PUT", k + "/q%22k%3C%3E%26", "value=1"); // @59
    step("GET", k + "/q%22k%3C%3E%26", null);
    step("PUT", k + "/tr/", "value=1"); // @60, the key /tr
    step("GET", k + "/tr", null);
    step("PUT", k + "//x//y", "value=1"); // Go's mux redirects unclean paths
    step("GET", k + "//x///y/", null);
    step("PUT", k + "/x/../z", "value=1");
    step("GET", k + "/./z", null);
    step("GET", k + "/x/y", null);
    step("PUT", k + "/zf", "value=1"); // @61
    step("PUT", k + "/zf?dir=true", null); // @62, a directory replaces the file
    // watches answered from history
    step("GET", k + "/foo?wait=true&waitIndex=@1", null);
    step("GET", k + "/foo?wait=true&waitIndex=@3", null);
    step("GET", k + "/foo?wait=true&waitIndex=1", null); // a literal index at or before _base on both servers
    step("GET", k + "/a?wait=true&waitIndex=@3&recursive=true", null);
    step("GET", k + "/a?wait=true&waitIndex=@4&recursive=true", null);
    step("GET", k + "/a/b/c?wait=true&waitIndex=@4", null); // the recursive delete of /a
    step("GET", k + "/queue?wait=true&waitIndex=@0&recursive=true", null);
    step("GET", k + "/h?wait=true&waitIndex=@0&recursive=true", null); // hidden keys from history
    step("GET", k + "/?wait=true&waitIndex=@1&recursive=true", null);
    step("GET", k + "/cad?wait=true&waitIndex=@28", null);
    step("GET", k + "/t1?wait=true&waitIndex=@40", null);
    step("GET", k + "/nv?wait=true&waitIndex=@36", null);
    step("GET", k + "/dir1?wait=true&waitIndex=@8&sorted=true", null);
    // long polls
    longPoll(List.of(k + "/w?wait=true"), t("PUT", k + "/w", "value=1")); // @63
    longPoll(List.of(k + "/w?wait=true", k + "/w?wait=true&waitIndex=@64"),
        t("PUT", k + "/w?prevValue=1", "value=2")); // @64
    longPoll(List.of(k + "/w?wait=true"), t("DELETE", k + "/w?prevValue=2", null)); // @65
    step("PUT", k + "/wd/x", "value=0"); // @66
    longPoll(List.of(k + "/wd?wait=true&recursive=true", k + "/wd?wait=true"),
        t("PUT", k + "/wd/x", "value=1"), t("DELETE", k + "/wd?recursive=true", null));
    longPoll(List.of(k + "/h?wait=true&recursive=true"), // a hidden child is not announced
        t("PUT", k + "/h/_hid2", "value=2"), t("PUT", k + "/h/vis2", "value=2"));
    step("PUT", k + "/dd/k", "value=1"); // @71
    longPoll(List.of(k + "/dd/k?wait=true", k + "/dd?wait=true", k + "/?wait=true&recursive=true"),
        t("DELETE", k + "/dd?recursive=true", null)); // @72
    // a TTL running out, with a watch on the key and one on its directory
    step("PUT", k + "/exd/k?ttl=1", "value=e"); // @73
    longPoll(List.of(k + "/exd/k?wait=true", k + "/exd?wait=true&recursive=true")); // @74, expire
    step("GET", k + "/exd/k", null);
    step("GET", k + "/exd?sorted=true", null);
    step("GET", k + "/exd/k?wait=true&waitIndex=@74", null);
    step("PUT", k + "/after", "value=1"); // @75
    // other v2 routes, by their shape
    stepShaped("GET", "/v2/machines", (s, body) -> body.replace("http://" + s.endpoint.address(), "CLIENT"));
    stepShaped("GET", "/v2/members", (s, body) -> body.replace("http://" + s.endpoint.address(), "CLIENT")
        .replaceAll("http://127\\.0\\.0\\.1:\\d+", "PEER").replaceAll("\"id\":\"[0-9a-f]+\"", "\"id\":\"ID\"")
        .replaceAll("\"name\":\"[^\"]*\"", "\"name\":\"NAME\""));
    stepShaped("GET", "/v2/stats/self", (s, body) -> {
      StringBuilder shape = new StringBuilder(body.startsWith("{") ? "object with" : "not an object with");
      for (String key : List.of("name", "id", "state")) {
        shape.append(body.contains("\"" + key + "\":") ? " " + key : " (no " + key + ")");
      }
      return shape.toString();
    });
    step("GET", "/v2/nope", null);
    step("GET", "/v2/keysx", null);
  }

  /** Sends one request (with a form body unless {@code body} is null) to etcd, then to Ketch. */
  private void step(String method, String path, String body) {
    stepTyped(method, path, body == null ? null : FORM, body);
  }

  private void stepTyped(String method, String path, String contentType, String body) {
    compare(method + " " + path + (body == null ? "" : " -d " + body),
        etcd.call(method, path, contentType, body, null), ketch.call(method, path, contentType, body, null));
  }

  /** A request whose body is compared after {@code shape} has left out what the servers differ in. */
  private void stepShaped(String method, String path, BiFunction<Side, String, String> shape) {
    compare(method + " " + path, etcd.call(method, path, null, null, shape), ketch.call(method, path, null, null, shape));
  }

  private void compare(String request, String expected, String actual) {
    compared++;
    System.out.println(request + "\n    " + expected);
    if (!expected.equals(actual)) {
      differences.add(request + "\n  etcd:  " + expected + "\n  ketch: " + actual);
    }
  }

  /**
   * Starts the {@code watches} (GETs that wait) on both servers and waits for each to send its
   * headers, sends the {@code triggers} (method, path, form body) to both, then compares what each
   * watch answered.
   */
  private void longPoll(List<String> watches, String[]... triggers) throws Exception {
    List<Watch> onEtcd = new ArrayList<>();
    List<Watch> onKetch = new ArrayList<>();
    for (String w : watches) {
      onEtcd.add(etcd.watch(w));
      onKetch.add(ketch.watch(w));
    }
    long headersBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(HEADERS_SECONDS);
    for (int i = 0; i < watches.size(); i++) {
      onEtcd.get(i).awaitHeaders(headersBy);
      onKetch.get(i).awaitHeaders(headersBy);
    }
    for (String[] t : triggers) {
      step(t[0], t[1], t[2]);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_SECONDS);
    for (int i = 0; i < watches.size(); i++) {
      compare("GET " + watches.get(i) + " (long poll)", onEtcd.get(i).answer(deadline), onKetch.get(i).answer(deadline));
    }
  }

  /** A long poll's trigger: method, path, form body or null. */
  private static String[] t(String method, String path, String body) {
    return new String[] {method, path, body};
  }

  /** One of the two servers, with the index its first write got. */
  private final class Side {
    final Endpoint endpoint;
    long base = Long.MAX_VALUE;

    Side(Endpoint endpoint) {
      this.endpoint = endpoint;
    }

    /**
     * Waits (up to 5 s) until the cluster version is decided: etcd records it in its v2 store, and
     * that write takes an index.
     */
    void awaitClusterVersion() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        HttpResponse<String> r = send(request("GET", "/version", null, null));
        if (r.statusCode() == 200 && r.body().matches(".*\"etcdcluster\":\"\\d+\\.\\d+\\.\\d+\".*")) {
          return;
        }
        Thread.sleep(50);
      }
    }

    /** Writes /_base, takes its index as this server's origin (@0) and returns the answer, normalised. */
    String findBase() throws Exception {
      HttpResponse<String> r = send(request("PUT", "/v2/keys/_base", FORM, "value=base"));
      Matcher m = MODIFIED.matcher(r.body());
      if (m.find()) {
        base = Long.parseLong(m.group(1));
      }
      return headers(r.statusCode(), r.headers()) + normalise(r.body(), false);
    }

    String call(String method, String path, String contentType, String body, BiFunction<Side, String, String> shape) {
      try {
        HttpResponse<String> r = send(request(method, path, contentType, body));
        String text = shape != null ? shape.apply(this, r.body()).replace("\n", "\\n")
            : normalise(r.body(), method.equals("GET") && !SORTED.matcher(path).find());
        return headers(r.statusCode(), r.headers()) + text;
      } catch (Exception e) {
        return "no answer: " + e;
      }
    }

    HttpRequest request(String method, String path, String contentType, String body) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + endpoint.address() + resolve(path)))
          .timeout(Duration.ofSeconds(20))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      if (contentType != null) {
        b.header("Content-Type", contentType);
      }
      return b.build();
    }

    HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
      return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    Watch watch(String path) {
      return new Watch(this, http.sendAsync(request("GET", path, null, null), HttpResponse.BodyHandlers.ofInputStream()));
    }

    /** {@code @n} in a request's path stands for this server's B+n. */
    String resolve(String path) {
      return RELATIVE.matcher(path).replaceAll(m -> String.valueOf(base + Long.parseLong(m.group(1))));
    }

    String rel(String digits) {
      long n = Long.parseLong(digits);
      return n >= base ? "@" + (n - base) : digits;
    }

    String headers(int status, HttpHeaders h) {
      StringBuilder out = new StringBuilder().append(status).append(" {");
      String sep = "";
      for (String name : HEADERS) {
        if (h.firstValue(name).isPresent()) {
          String v = h.firstValue(name).get();
          out.append(sep).append(name).append(": ").append(name.equals("X-Etcd-Index") && v.matches("\\d+") ? rel(v) : v);
          sep = ", ";
        }
      }
      return out.append("} ").toString();
    }

    String normalise(String body, boolean sortNodes) {
      String b = INDEX.matcher(body).replaceAll(m -> "\"" + m.group(1) + "\":" + rel(m.group(2)));
      b = IN_ORDER.matcher(b).replaceAll(m -> "/" + rel(m.group(1)));
      b = COMPARE.matcher(b).replaceAll(m -> Matcher.quoteReplacement(
          "[" + relIfNumber(m.group(1)) + " != " + relIfNumber(m.group(2)) + "]"));
      b = EXPIRATION.matcher(b).replaceAll("\"expiration\":\"T\"");
      b = TTL.matcher(b).replaceAll("\"ttl\":\"n\"");
      if (sortNodes && b.startsWith("{")) {
        b = Canon.sortingNodes(b);
      }
      return b.replace("\n", "\\n");
    }

    private String relIfNumber(String s) {
      return s.matches("\\d{1,18}") ? rel(s) : s;
    }
  }

  /** A long poll in progress on one server. */
  private final class Watch {
    final Side side;
    final CompletableFuture<HttpResponse<InputStream>> response;
    boolean headersFirst;

    Watch(Side side, CompletableFuture<HttpResponse<InputStream>> response) {
      this.side = side;
      this.response = response;
    }

    void awaitHeaders(long deadline) {
      try {
        response.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        headersFirst = true;
      } catch (TimeoutException | ExecutionException | InterruptedException e) {
        // answer() tells
      }
    }

    String answer(long deadline) {
      HttpResponse<InputStream> r;
      try {
        r = response.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        response.cancel(true);
        return "no headers within " + ANSWER_SECONDS + " s of the trigger";
      } catch (Exception e) {
        return "no answer: " + e;
      }
      Future<byte[]> body = readers.submit(() -> r.body().readAllBytes());
      try {
        String text = new String(body.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS),
            StandardCharsets.UTF_8);
        return side.headers(r.statusCode(), r.headers()) + side.normalise(text, false)
            + (headersFirst ? "" : " (the headers came only with the answer)");
      } catch (TimeoutException e) {
        close(r.body());
        return side.headers(r.statusCode(), r.headers()) + "no body within " + ANSWER_SECONDS + " s of the trigger";
      } catch (Exception e) {
        return "no answer: " + e;
      }
    }

    private void close(InputStream in) {
      try {
        in.close();
      } catch (IOException ignored) {
        // closing a watch the server did not answer
      }
    }
  }

  /**
   * Rewrites a JSON text without whitespace and with every array named {@code nodes} sorted (etcd
   * lists a directory in Go's map order unless asked for sorted=true). Values may be bare words
   * such as {@code @3}. Text that does not parse comes back unchanged.
   */
  private static final class Canon {
    private final String s;
    private int i;

    private Canon(String s) {
      this.s = s;
    }

    static String sortingNodes(String json) {
      Canon c = new Canon(json);
      try {
        String v = c.value(false);
        return v + json.substring(c.i);
      } catch (RuntimeException malformed) {
        return json;
      }
    }

    private String value(boolean sortArray) {
      ws();
      char c = s.charAt(i);
      if (c == '{') {
        i++;
        ws();
        if (s.charAt(i) == '}') {
          i++;
          return "{}";
        }
        StringBuilder out = new StringBuilder("{");
        while (true) {
          ws();
          String key = string();
          ws();
          expect(':');
          out.append(key).append(':').append(value(key.equals("\"nodes\"")));
          ws();
          char d = s.charAt(i++);
          if (d == '}') {
            return out.append('}').toString();
          }
          if (d != ',') {
            throw new IllegalArgumentException("at " + i);
          }
          out.append(',');
        }
      }
      if (c == '[') {
        i++;
        ws();
        List<String> items = new ArrayList<>();
        if (s.charAt(i) == ']') {
          i++;
          return "[]";
        }
        while (true) {
          items.add(value(false));
          ws();
          char d = s.charAt(i++);
          if (d == ']') {
            break;
          }
          if (d != ',') {
            throw new IllegalArgumentException("at " + i);
          }
        }
        if (sortArray) {
          Collections.sort(items);
        }
        return "[" + String.join(",", items) + "]";
      }
      if (c == '"') {
        return string();
      }
      int start = i;
      while (i < s.length() && ",:{}[] \t\r\n\"".indexOf(s.charAt(i)) < 0) {
        i++;
      }
      if (i == start) {
        throw new IllegalArgumentException("at " + i);
      }
      return s.substring(start, i);
    }

    private String string() {
      int start = i;
      expect('"');
      while (s.charAt(i) != '"') {
        i += s.charAt(i) == '\\' ? 2 : 1;
      }
      i++;
      return s.substring(start, i);
    }

    private void expect(char c) {
      if (s.charAt(i++) != c) {
        throw new IllegalArgumentException("expected " + c + " at " + (i - 1));
      }
    }

    private void ws() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }
  }
}
