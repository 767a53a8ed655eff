package io.ketch.server.watch;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.WatchCreateRequest;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.server.mvcc.EventSink;
import io.ketch.server.mvcc.HistoryChunk;
import io.ketch.server.mvcc.KvStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's watchable store: watchers over the MVCC store, in three groups.
 *
 * <ul>
 *   <li><b>synced</b> watchers have every event up to {@code hubRev}; each published batch of changes
 *       is matched against them and handed to their streams.
 *   <li><b>unsynced</b> watchers started in the past (or fell behind): they catch up from the
 *       store's history in chunks of at most {@value #MAX_REVISIONS_PER_CHUNK} revisions, and join
 *       the synced group when they reach {@code hubRev}.
 *   <li><b>victims</b> found their stream's buffer full: they hold the responses they could not hand
 *       over and are retried every {@value #VICTIM_RETRY_MILLIS} ms, then catch up as unsynced.
 * </ul>
 *
 * <p>Threading: all watcher state belongs to one hub thread ("ketch-watch"), so moving a watcher
 * between groups can never open a gap or send an event twice. The apply thread only appends published
 * changes to an inbox ({@link #published}) and never waits: if the hub falls more than
 * {@value #INBOX_LIMIT_EVENTS} events behind, the inbox stops taking changes and every synced watcher
 * is sent back to catch up from the history instead. Client requests reach the hub as commands; the
 * hub drains the inbox before each, so a watch created "now" starts after every change a client has
 * seen acknowledged.
 */
public final class WatchableStore implements EventSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchableStore.class);
  static final int MAX_REVISIONS_PER_CHUNK = 1000;
  static final int MAX_WATCHERS_PER_SYNC = 512;
  static final long INBOX_LIMIT_EVENTS = 200_000;
  static final long VICTIM_RETRY_MILLIS = 10;
  /** Bytes of event responses a stream buffers before its watchers become victims. */
  public static final long STREAM_BUFFER_BYTES = 4L << 20;
  static final String ERR_EMPTY_RANGE = "mvcc: watcher range is empty";
  static final String ERR_DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";

  private final KvStore kv;
  private final LongFunction<ResponseHeader> headers;
  private final long progressIntervalNanos;
  private final long fragmentBytes;

  // the inbox, filled by the apply thread
  private final Object inboxLock = new Object();
  private ArrayDeque<Published> inbox = new ArrayDeque<>();
  private long inboxEvents;
  private boolean dropping;
  private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();

  // hub thread state
  /** Every event up to this revision has been handed to the synced watchers. */
  private long hubRev;
  private final WatcherGroup synced = new WatcherGroup();
  private final Set<Watcher> unsynced = new LinkedHashSet<>();
  private final Set<Watcher> victims = new LinkedHashSet<>();
  private final Set<WatchStream> streams = new HashSet<>();
  private final AtomicInteger watcherCount = new AtomicInteger();
  private final AtomicInteger streamCount = new AtomicInteger();
  private final AtomicInteger victimCount = new AtomicInteger();
  private final AtomicLong bufferedBytes = new AtomicLong();

  private final HistoryCache history;

  private final ScheduledExecutorService sender;
  private final Thread hub;
  private volatile boolean running = true;

  /** A published batch of changes. */
  private record Published(long rev, List<Event> events) {}

  /**
   * Starts watching {@code kv}: from now on every published change reaches the watchers.
   *
   * @param headers builds a response header for a store revision
   * @param progressIntervalMillis period of progress notifications for watches that asked for them
   * @param fragmentBytes responses of fragmenting watches are split at this size (the request limit)
   */
  public WatchableStore(KvStore kv, LongFunction<ResponseHeader> headers, long progressIntervalMillis,
      long fragmentBytes) {
    this.kv = kv;
    this.headers = headers;
    this.progressIntervalNanos = TimeUnit.MILLISECONDS.toNanos(progressIntervalMillis);
    this.fragmentBytes = fragmentBytes;
    // sink first, then the revision: a change published in between is skipped as already seen
    kv.addEventSink(this);
    this.hubRev = kv.currentRevision();
    this.history = new HistoryCache(kv, MAX_REVISIONS_PER_CHUNK);
    // only for streams not opened on a transport event loop (those send from their loop)
    this.sender = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ketch-watch-send");
      t.setDaemon(true);
      return t;
    });
    this.hub = new Thread(this::run, "ketch-watch");
    hub.setDaemon(true);
    hub.start();
  }

  // ---- called from other threads ----

  @Override
  public void published(long rev, List<Event> events) {
    synchronized (inboxLock) {
      if (dropping) {
        return;
      }
      if (inboxEvents + events.size() > INBOX_LIMIT_EVENTS) {
        dropping = true;
      } else {
        inbox.add(new Published(rev, events));
        inboxEvents += events.size();
      }
    }
    LockSupport.unpark(hub);
  }

  /**
   * The store's history was replaced: every synced watcher catches up from the new history (as after
   * an inbox overflow), or is cancelled as compacted if the new history no longer has its next
   * revision.
   */
  @Override
  public void replaced(long rev) {
    synchronized (inboxLock) {
      dropping = true;
    }
    LockSupport.unpark(hub);
  }

  /**
   * Opens a stream that sends its responses to {@code out}, writing them on {@code transport} (the
   * event loop of the client's connection: its writes then need no hand-off to that loop) or, when it
   * is null, on the store's own sender thread.
   */
  public Stream openStream(ServerCallStreamObserver<EncodedResponse> out, ScheduledExecutorService transport) {
    WatchStream s = new WatchStream(out, transport != null ? transport : sender, STREAM_BUFFER_BYTES, bufferedBytes,
        () -> LockSupport.unpark(hub));
    submit(() -> {
      streams.add(s);
      streamCount.set(streams.size());
    });
    return new Stream(s);
  }

  /** Watchers alive (any state but gone), for metrics and leak checks. */
  public int watcherCount() {
    return watcherCount.get();
  }

  /** Watch streams open. */
  public int streamCount() {
    return streamCount.get();
  }

  /** Watchers waiting for room in their stream's buffer. */
  public int victimCount() {
    return victimCount.get();
  }

  /** Bytes of responses buffered for sending, over every stream. */
  public long bufferedBytes() {
    return bufferedBytes.get();
  }

  /**
   * A snapshot of the hub's state for diagnostics: watchers per state and bytes buffered per stream.
   */
  public String describe() throws InterruptedException {
    CompletableFuture<String> f = new CompletableFuture<>();
    submit(() -> {
      Map<Watcher.State, Integer> states = new EnumMap<>(Watcher.State.class);
      StringBuilder b = new StringBuilder();
      for (WatchStream s : streams) {
        for (Watcher w : s.watchers.values()) {
          states.merge(w.state, 1, Integer::sum);
        }
        b.append(" stream{watchers=").append(s.watchers.size()).append(" buffered=").append(s.queuedBytes())
            .append(s.describeSender()).append('}');
      }
      f.complete("hub_rev=" + hubRev + " states=" + states + b);
    });
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return "hub did not answer: " + e;
    }
  }

  /** A client's handle on one stream; its calls may come from any thread, one at a time. */
  public final class Stream {
    private final WatchStream s;

    private Stream(WatchStream s) {
      this.s = s;
    }

    public void create(WatchCreateRequest req) {
      submit(() -> WatchableStore.this.create(s, req));
    }

    public void cancel(long watchId) {
      submit(() -> WatchableStore.this.cancel(s, watchId));
    }

    /** Answers a create request that may not be served (etcd's refused watch): created and cancelled. */
    public void refuse(String reason) {
      submit(() -> s.control(WatchResponse.newBuilder().setHeader(headers.apply(hubRev)).setWatchId(-1)
          .setCreated(true).setCanceled(true).setCancelReason(reason).build()));
    }

    public void requestProgress() {
      submit(() -> {
        s.progressRequested = true;
        answerProgressRequest(s);
      });
    }

    /** The transport can take more responses. */
    public void onReady() {
      s.onReady();
    }

    /** Ends the stream with {@code status} (after what is queued for it), releasing its watchers. */
    public void end(io.grpc.Status status) {
      submit(() -> closeStream(s, status));
    }

    /** The client went away: release every watcher of the stream. */
    public void close() {
      submit(() -> closeStream(s, null));
    }
  }

  private void submit(Runnable command) {
    commands.add(command);
    LockSupport.unpark(hub);
  }

  @Override
  public void close() {
    running = false;
    LockSupport.unpark(hub);
    try {
      hub.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (WatchStream s : new ArrayList<>(streams)) {
      closeStream(s, Status.UNAVAILABLE.withDescription("etcdserver: server stopped"));
    }
    sender.shutdown();
    try {
      sender.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the hub thread ----

  private void run() {
    long nextProgress = System.nanoTime() + progressIntervalNanos;
    long nextVictimRetry = 0;
    while (running) {
      try {
        boolean worked = drainInbox();
        Runnable c;
        while ((c = commands.poll()) != null) {
          drainInbox();
          c.run();
          worked = true;
        }
        long now = System.nanoTime();
        if (!victims.isEmpty() && now >= nextVictimRetry) {
          retryVictims();
          nextVictimRetry = now + TimeUnit.MILLISECONDS.toNanos(VICTIM_RETRY_MILLIS);
        }
        if (!unsynced.isEmpty()) {
          worked |= syncWatchers();
        }
        if (now >= nextProgress) {
          progressTick();
          nextProgress = now + progressIntervalNanos;
        }
        if (!worked) {
          long wait = nextProgress - now;
          if (!victims.isEmpty() || !unsynced.isEmpty()) {
            wait = Math.min(wait, TimeUnit.MILLISECONDS.toNanos(VICTIM_RETRY_MILLIS));
          }
          LockSupport.parkNanos(this, Math.max(wait, 1));
        }
      } catch (RuntimeException e) {
        LOG.error("event=watch-hub-error", e);
      }
    }
  }

  /**
   * Dispatches every published batch waiting in the inbox, all in one go: when the hub is behind,
   * each watcher gets one response for everything waiting rather than one per round. Returns
   * whether there was anything.
   */
  private boolean drainInbox() {
    ArrayDeque<Published> items;
    long resyncTo = -1;
    synchronized (inboxLock) {
      if (inbox.isEmpty() && !dropping) {
        return false;
      }
      items = inbox;
      inbox = new ArrayDeque<>();
      inboxEvents = 0;
      if (dropping) {
        dropping = false;
        // every revision up to here was published, so it is in the history
        resyncTo = kv.currentRevision();
      }
    }
    List<Event> events = new ArrayList<>();
    long rev = hubRev;
    for (Published p : items) {
      if (p.rev() > rev) {
        events.addAll(p.events());
        rev = p.rev();
      }
    }
    if (rev > hubRev) {
      dispatch(events, rev);
      hubRev = rev;
    }
    if (resyncTo > hubRev) {
      LOG.warn("event=watch-inbox-overflow hub_rev={} resync_to={} synced={}", hubRev, resyncTo, synced.size());
      for (Watcher w : synced.all()) {
        synced.remove(w);
        w.minRev = Math.max(w.minRev, hubRev + 1);
        w.state = Watcher.State.UNSYNCED;
        unsynced.add(w);
      }
      hubRev = resyncTo;
    }
    return true;
  }

  /** Hands published events (up to revision {@code rev}) to the synced watchers they concern. */
  private void dispatch(List<Event> events, long rev) {
    if (synced.size() == 0) {
      return;
    }
    // watchers on one range share their events, and their encoding
    Map<Set<Watcher>, List<Event>> matched = new IdentityHashMap<>();
    for (Event e : events) {
      synced.forEachMatchingSet(e.getKv().getKey(), set -> matched.computeIfAbsent(set, k -> new ArrayList<>()).add(e));
    }
    if (matched.isEmpty()) {
      return;
    }
    Round round = new Round(headers.apply(rev), kv);
    try {
      dispatch(matched, rev, round);
    } finally {
      round.flush();
    }
  }

  private void dispatch(Map<Set<Watcher>, List<Event>> matched, long rev, Round round) {
    for (Map.Entry<Set<Watcher>, List<Event>> m : matched.entrySet()) {
      List<Event> evs = m.getValue();
      long firstRev = evs.get(0).getKv().getModRevision();
      Map<Integer, byte[]> encoded = new HashMap<>(4);
      for (Watcher w : List.copyOf(m.getKey())) {
        if (w.minRev <= firstRev) {
          w.minRev = rev + 1;
          send(w, evs, encoded, round);
        } else if (w.minRev <= rev) {
          // a watcher that starts inside this batch gets only its part
          long from = w.minRev;
          w.minRev = rev + 1;
          send(w, evs.stream().filter(e -> e.getKv().getModRevision() >= from).toList(), null, round);
        }
      }
    }
  }

  /**
   * Sends {@code evs} (already in the watcher's range, from its start revision) to {@code w}, after
   * its filters and prev_kv. {@code encoded}, when given, caches the encoded events per option set
   * for the other watchers getting the same {@code evs}. The watcher's {@code minRev} must already
   * be past these events.
   */
  private void send(Watcher w, List<Event> evs, Map<Integer, byte[]> encoded, Round round) {
    int variant = (w.noPut ? 1 : 0) | (w.noDelete ? 2 : 0) | (w.prevKv ? 4 : 0);
    byte[] tail = encoded == null ? null : encoded.get(variant);
    if (tail == null) {
      List<Event> out = round.visible(w, evs);
      tail = EncodedResponse.eventsField(out);
      if (encoded != null) {
        encoded.put(variant, tail);
      }
    }
    if (tail.length == 0) {
      return;
    }
    if (w.fragment && round.headerField.length + tail.length + 11 >= fragmentBytes) {
      List<Event> out = round.visible(w, evs);
      WatchResponse r = WatchResponse.newBuilder().setHeader(round.header).setWatchId(w.id).addAllEvents(out).build();
      if (out.size() >= 2 && r.getSerializedSize() >= fragmentBytes) {
        deliver(w, Fragments.split(r, fragmentBytes).stream().map(EncodedResponse::of).toList());
        return;
      }
    }
    // a fragmenting watcher's responses are never merged: a merge could pass the limit unsplit
    w.sentSinceTick = true;
    if (w.stream.offerEvents(w, round.headerField, tail, !w.fragment)) {
      round.touched.add(w.stream);
    } else {
      becomeVictim(w, List.of(EncodedResponse.events(round.headerField, w.id, tail, !w.fragment)));
    }
  }

  /**
   * Hands {@code rs} to the watcher's stream; if the stream is full the watcher becomes a victim
   * holding them.
   */
  private void deliver(Watcher w, List<EncodedResponse> rs) {
    w.sentSinceTick = true;
    if (!w.stream.offer(w, rs)) {
      becomeVictim(w, rs);
    }
  }

  /** {@code w}'s stream is full: it leaves its group and holds {@code rs} until there is room. */
  private void becomeVictim(Watcher w, List<EncodedResponse> rs) {
    if (w.state == Watcher.State.SYNCED) {
      synced.remove(w);
    } else {
      unsynced.remove(w);
    }
    w.state = Watcher.State.VICTIM;
    w.held = rs;
    victims.add(w);
    victimCount.set(victims.size());
  }

  private void retryVictims() {
    for (Iterator<Watcher> it = victims.iterator(); it.hasNext(); ) {
      Watcher w = it.next();
      if (!w.stream.offer(w, w.held)) {
        continue;
      }
      it.remove();
      w.held = null;
      if (w.minRev > hubRev) {
        w.state = Watcher.State.SYNCED;
        synced.add(w);
        answerProgressRequest(w.stream);
      } else {
        w.state = Watcher.State.UNSYNCED;
        unsynced.add(w);
      }
    }
    victimCount.set(victims.size());
  }

  /**
   * One round of catch-up: reads up to {@value #MAX_REVISIONS_PER_CHUNK} revisions of history from
   * the lowest revision the chosen unsynced watchers need, and hands each its events. Returns whether
   * any watcher moved on.
   */
  private boolean syncWatchers() {
    long compactRev = kv.compactRevision();
    List<Watcher> chosen = new ArrayList<>();
    boolean moved = false;
    for (Iterator<Watcher> it = unsynced.iterator(); it.hasNext() && chosen.size() < MAX_WATCHERS_PER_SYNC; ) {
      Watcher w = it.next();
      if (w.minRev < compactRev) {
        it.remove();
        w.state = Watcher.State.COMPACTED;
        watcherCount.decrementAndGet();
        w.stream.control(WatchResponse.newBuilder()
            .setHeader(headers.apply(0))
            .setWatchId(w.id)
            .setCanceled(true)
            .setCompactRevision(compactRev)
            .build());
        moved = true;
      } else if (w.minRev > hubRev) {
        it.remove();
        w.state = Watcher.State.SYNCED;
        synced.add(w);
        answerProgressRequest(w.stream);
        moved = true;
      } else if (w.stream.hasRoom()) {
        chosen.add(w);
      }
    }
    if (chosen.isEmpty()) {
      return moved;
    }
    long from = Long.MAX_VALUE;
    for (Watcher w : chosen) {
      from = Math.min(from, w.minRev);
    }
    HistoryChunk chunk = history.read(from, hubRev, compactRev);
    if (chunk == null) {
      return true; // a compaction overtook the read: check the watchers against it first
    }
    Round round = new Round(headers.apply(hubRev), kv);
    try {
      catchUp(chosen, chunk, round);
    } finally {
      round.flush();
    }
    return true;
  }

  /** Hands each chosen watcher its events from {@code chunk}. */
  private void catchUp(List<Watcher> chosen, HistoryChunk chunk, Round round) {
    byte[][] keys = new byte[chunk.events().size()][];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = chunk.events().get(i).getKv().getKey().toByteArray();
    }
    // watchers on the same range from the same revision (typically victims of one dispatch) share
    // their events and the encoding of them
    Map<CatchUpKey, List<Watcher>> cohorts = new LinkedHashMap<>();
    for (Watcher w : chosen) {
      if (w.minRev < chunk.nextRev()) {
        cohorts.computeIfAbsent(CatchUpKey.of(w), k -> new ArrayList<>()).add(w);
      }
    }
    for (List<Watcher> cohort : cohorts.values()) {
      Watcher first = cohort.get(0);
      List<Event> evs = new ArrayList<>();
      for (int i = 0; i < keys.length; i++) {
        Event e = chunk.events().get(i);
        if (e.getKv().getModRevision() >= first.minRev && first.covers(keys[i])) {
          evs.add(e);
        }
      }
      Map<Integer, byte[]> encoded = new HashMap<>(4);
      for (Watcher w : cohort) {
        w.minRev = chunk.nextRev();
        send(w, evs, encoded, round);
        if (w.state == Watcher.State.UNSYNCED && w.minRev > hubRev) {
          unsynced.remove(w);
          w.state = Watcher.State.SYNCED;
          synced.add(w);
          answerProgressRequest(w.stream);
        }
      }
    }
  }

  /** Watchers needing the same history: same range, same next revision. */
  private record CatchUpKey(ByteString key, ByteString end, boolean single, long minRev) {
    static CatchUpKey of(Watcher w) {
      return new CatchUpKey(UnsafeByteOperations.unsafeWrap(w.key),
          w.end == null ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(w.end), w.end == null, w.minRev);
    }
  }

  private void create(WatchStream s, WatchCreateRequest req) {
    byte[] key = req.getKey().isEmpty() ? new byte[] {0} : req.getKey().toByteArray();
    byte[] end = req.getRangeEnd().isEmpty() ? null : req.getRangeEnd().toByteArray();
    if (end != null && end.length == 1 && end[0] == 0) {
      end = new byte[0];
    }
    WatchResponse.Builder r = WatchResponse.newBuilder().setHeader(headers.apply(hubRev)).setCreated(true);
    if (end != null && end.length > 0 && Arrays.compareUnsigned(key, end) >= 0) {
      s.control(r.setWatchId(-1).setCanceled(true).setCancelReason(ERR_EMPTY_RANGE).build());
      return;
    }
    long id = req.getWatchId();
    if (id == 0) {
      while (s.watchers.containsKey(s.nextId)) {
        s.nextId++;
      }
      id = s.nextId++;
    } else if (s.watchers.containsKey(id)) {
      s.control(r.setWatchId(-1).setCanceled(true).setCancelReason(ERR_DUPLICATE_ID).build());
      return;
    }
    boolean noPut = false;
    boolean noDelete = false;
    for (WatchCreateRequest.FilterType f : req.getFiltersList()) {
      noPut |= f == WatchCreateRequest.FilterType.NOPUT;
      noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
    }
    long start = req.getStartRevision() == 0 ? hubRev + 1 : req.getStartRevision();
    Watcher w = new Watcher(s, id, key, end, start, noPut, noDelete, req.getPrevKv(), req.getProgressNotify(),
        req.getFragment());
    s.watchers.put(id, w);
    watcherCount.incrementAndGet();
    s.control(r.setWatchId(id).build());
    if (start > hubRev) {
      w.state = Watcher.State.SYNCED;
      synced.add(w);
    } else {
      w.state = Watcher.State.UNSYNCED;
      unsynced.add(w);
    }
  }

  private void cancel(WatchStream s, long id) {
    Watcher w = s.watchers.remove(id);
    if (w == null) {
      return;
    }
    release(w);
    s.control(WatchResponse.newBuilder().setHeader(headers.apply(hubRev)).setWatchId(id).setCanceled(true).build());
    answerProgressRequest(s);
  }

  private void release(Watcher w) {
    switch (w.state) {
      case SYNCED -> synced.remove(w);
      case UNSYNCED -> unsynced.remove(w);
      case VICTIM -> {
        victims.remove(w);
        victimCount.set(victims.size());
      }
      default -> { }
    }
    if (w.state != Watcher.State.COMPACTED && w.state != Watcher.State.GONE) {
      watcherCount.decrementAndGet();
    }
    w.state = Watcher.State.GONE;
    w.held = null;
  }

  private void closeStream(WatchStream s, Status status) {
    for (Watcher w : s.watchers.values()) {
      release(w);
    }
    s.watchers.clear();
    if (streams.remove(s)) {
      streamCount.set(streams.size());
    }
    s.end(status);
  }

  /**
   * Answers the stream's pending progress request once every watcher on it is synced: the answer
   * then means every event up to its revision was sent (etcd 3.5's rule).
   */
  private void answerProgressRequest(WatchStream s) {
    if (!s.progressRequested) {
      return;
    }
    for (Watcher w : s.watchers.values()) {
      if (w.state == Watcher.State.UNSYNCED || w.state == Watcher.State.VICTIM) {
        return;
      }
    }
    s.progressRequested = false;
    s.control(WatchResponse.newBuilder().setHeader(headers.apply(hubRev)).setWatchId(-1).build());
  }

  /** Periodic progress: each synced progress_notify watcher that got no events since the last tick. */
  private void progressTick() {
    ResponseHeader h = null;
    for (WatchStream s : streams) {
      for (Watcher w : s.watchers.values()) {
        if (!w.progressNotify) {
          continue;
        }
        if (w.state == Watcher.State.SYNCED && !w.sentSinceTick && s.hasRoom()) {
          if (h == null) {
            h = headers.apply(hubRev);
          }
          s.offer(w, List.of(EncodedResponse.of(WatchResponse.newBuilder().setHeader(h).setWatchId(w.id).build())));
        }
        w.sentSinceTick = false;
      }
    }
  }
}
