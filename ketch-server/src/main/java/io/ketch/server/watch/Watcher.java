package io.ketch.server.watch;

import io.ketch.api.mvccpb.Event;
import java.util.Arrays;
import java.util.List;

/**
 * One watch on a stream: a key range, the next revision it needs, and its options. Owned by the
 * {@link WatchableStore}'s hub thread; no other thread touches it.
 */
final class Watcher {
  /** Where the watcher is in its life; see {@link WatchableStore} for the moves between states. */
  enum State {
    /** Has every event up to the hub's revision; gets new events as they are published. */
    SYNCED,
    /** Behind: catches up from the history. */
    UNSYNCED,
    /** Its stream was full: holds the responses it could not hand over, retried later. */
    VICTIM,
    /** Its start revision was compacted; it got the compacted response and sees no more events. */
    COMPACTED,
    /** Canceled, or its stream ended. */
    GONE
  }

  final WatchStream stream;
  final long id;
  /** First key of the range. */
  final byte[] key;
  /** End of the range: null for the single key, empty for every key from {@code key} on. */
  final byte[] end;
  final boolean noPut;
  final boolean noDelete;
  final boolean prevKv;
  final boolean progressNotify;
  final boolean fragment;

  State state;
  /** The next revision this watcher needs (for a synced watcher, at most the hub's revision + 1). */
  long minRev;
  /** A victim's undelivered responses. */
  List<EncodedResponse> held;
  /** Its last event response if still buffered (merges go into it); guarded by the stream. */
  EncodedResponse open;
  /** The stream's control epoch when {@link #open} was queued; guarded by the stream. */
  long openEpoch;
  /** Whether events were sent since the last progress tick (no notification is due then). */
  boolean sentSinceTick;

  Watcher(WatchStream stream, long id, byte[] key, byte[] end, long minRev, boolean noPut, boolean noDelete,
      boolean prevKv, boolean progressNotify, boolean fragment) {
    this.stream = stream;
    this.id = id;
    this.key = key;
    this.end = end;
    this.minRev = minRev;
    this.noPut = noPut;
    this.noDelete = noDelete;
    this.prevKv = prevKv;
    this.progressNotify = progressNotify;
    this.fragment = fragment;
  }

  boolean isRange() {
    return end != null;
  }

  /** Whether {@code k} falls in this watcher's range. */
  boolean covers(byte[] k) {
    if (end == null) {
      return Arrays.equals(key, k);
    }
    return Arrays.compareUnsigned(key, k) <= 0 && (end.length == 0 || Arrays.compareUnsigned(k, end) < 0);
  }

  /** Whether this watcher's filters let {@code e} through. */
  boolean accepts(Event e) {
    return e.getType() == Event.EventType.PUT ? !noPut : !noDelete;
  }

  @Override
  public String toString() {
    return "watcher " + id + " " + state + " minRev=" + minRev;
  }
}
