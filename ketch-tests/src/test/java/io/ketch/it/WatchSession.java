package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A scripted conversation with one server: KV and Lease requests and one Watch stream. The transcript it
 * renders is comparable across servers: KV outcomes in order, and the watch responses grouped by
 * watch id (responses to different watches may interleave differently; each watch's own sequence
 * may not), headers' identity fields cleared.
 */
final class WatchSession implements AutoCloseable {
  /** Quiet time after which a settle considers the stream caught up. */
  static final long QUIET_MILLIS = 400;

  private final KvCaller kv;
  private final WatchCaller watch;
  private final List<String> kvOutcomes = new ArrayList<>();
  private long lastRev;

  WatchSession(Endpoint e) {
    this.kv = new KvCaller(e);
    this.watch = new WatchCaller(e);
  }

  /** A script run against each server in turn. */
  @FunctionalInterface
  interface Script {
    void run(WatchSession s) throws Exception;
  }

  /** Runs {@code script} against both servers (etcd first) and asserts the transcripts are equal. */
  static void compare(Differential d, String name, Script script) throws Exception {
    String expected;
    String actual;
    try (WatchSession s = new WatchSession(d.etcd())) {
      script.run(s);
      expected = s.transcript();
    }
    try (WatchSession s = new WatchSession(d.ketch())) {
      script.run(s);
      actual = s.transcript();
    }
    if (Boolean.getBoolean("ketch.it.printTranscripts")) {
      System.out.println("=== " + name + "\n" + expected);
    }
    assertEquals(expected, actual, name);
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Sends a KV request; returns the revision in its header (0 for an error). */
  long kv(Message request) {
    KvCaller.Outcome o = kv.call(request);
    kvOutcomes.add(o.text());
    if (o.ok()) {
      lastRev = o.revision();
    }
    return o.revision();
  }

  long put(String key, String value) {
    return kv(PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).build());
  }

  /** Sends keepalives for {@code ids} on one stream; the answers join the KV outcomes. */
  void keepAlive(long... ids) throws InterruptedException {
    for (String r : kv.keepAlive(ids)) {
      kvOutcomes.add("keepalive " + r);
    }
  }

  /** The revision the last successful KV request reported. */
  long rev() {
    return lastRev;
  }

  void create(WatchCreateRequest.Builder c) throws InterruptedException {
    watch.create(c.build());
    settle();
  }

  void cancel(long id) throws InterruptedException {
    watch.cancel(id);
    settle();
  }

  void progress() throws InterruptedException {
    watch.requestProgress();
    settle();
  }

  /** Waits until the stream has been quiet for {@link #QUIET_MILLIS}. */
  void settle() throws InterruptedException {
    watch.settle(QUIET_MILLIS);
  }

  WatchCaller stream() {
    return watch;
  }

  String transcript() throws InterruptedException {
    settle();
    Map<Long, List<String>> byId = new TreeMap<>();
    for (WatchResponse r : watch.received()) {
      byId.computeIfAbsent(r.getWatchId(), k -> new ArrayList<>()).addAll(render(r));
    }
    StringBuilder t = new StringBuilder();
    for (String o : kvOutcomes) {
      t.append("kv: ").append(o.replace('\n', ' ')).append('\n');
    }
    for (Map.Entry<Long, List<String>> e : byId.entrySet()) {
      for (String r : e.getValue()) {
        t.append("watch ").append(e.getKey()).append(": ").append(r).append('\n');
      }
    }
    if (watch.error() != null) {
      t.append("stream error: ").append(watch.error()).append('\n');
    }
    return t.toString();
  }

  /**
   * A response as transcript lines. A plain event response becomes one line per revision with its
   * events (in order, never split): a server may deliver several revisions in one response (etcd
   * does when catching up; Ketch also when a watcher's earlier response has not left yet), so
   * response boundaries between revisions, and the header revision that goes with them, are not
   * compared. Every other response (created, canceled, progress, fragments) is one line, header
   * included.
   */
  static List<String> render(WatchResponse r) {
    WatchResponse n = WatchCaller.normalize(r);
    if (r.getEventsCount() == 0 || r.getCreated() || r.getCanceled() || r.getFragment()
        || r.getCompactRevision() != 0) {
      return List.of(TextFormat.shortDebugString(n));
    }
    List<String> lines = new ArrayList<>();
    WatchResponse.Builder one = null;
    long rev = -1;
    for (io.ketch.api.mvccpb.Event e : n.getEventsList()) {
      if (e.getKv().getModRevision() != rev) {
        if (one != null) {
          lines.add("revision " + rev + ": " + TextFormat.shortDebugString(one));
        }
        one = n.toBuilder().clearHeader().clearEvents();
        rev = e.getKv().getModRevision();
      }
      one.addEvents(e);
    }
    lines.add("revision " + rev + ": " + TextFormat.shortDebugString(one));
    return lines;
  }

  @Override
  public void close() {
    watch.close();
    kv.close();
  }
}
