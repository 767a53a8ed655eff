package io.ketch.server.mvcc;

import io.ketch.api.mvccpb.Event;
import java.util.List;

/**
 * A run of history read by {@link KvStore#history}: its events in revision order, and the first
 * revision not read (one past the requested end when the whole range was read).
 */
public record HistoryChunk(List<Event> events, long nextRev) {}
