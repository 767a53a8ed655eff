package io.ketch.it.cluster;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.client.Client;
import io.ketch.client.Watch;
import io.ketch.client.options.WatchOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What a watch delivered, event by event ("rev key TYPE value"), through ketch-client, which follows
 * the cluster's members and resumes from the last revision + 1 when a stream breaks.
 */
final class EventLog implements Watch.Listener {
  private final List<String> events = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private long lastRevision;

  /** Starts watching {@code prefix} from {@code fromRevision} with {@code client}. */
  static EventLog watch(Client client, String prefix, long fromRevision) {
    EventLog log = new EventLog();
    client.watch().watch(ByteString.copyFromUtf8(prefix),
        WatchOption.builder().withPrefix().withStartRevision(fromRevision).build(), log);
    return log;
  }

  @Override
  public synchronized void onNext(WatchResponse r) {
    if (r.getEventsCount() == 0) {
      return;
    }
    // a response may carry several revisions (etcd merges them on catch-up), in order, but a
    // revision never continues into the next response
    long first = r.getEvents(0).getKv().getModRevision();
    if (first <= lastRevision) {
      problem("revision " + first + " delivered after " + lastRevision);
    }
    long rev = first;
    for (Event e : r.getEventsList()) {
      if (e.getKv().getModRevision() < rev) {
        problem("revision " + e.getKv().getModRevision() + " after " + rev + " in one response");
      }
      rev = e.getKv().getModRevision();
      events.add(e.getKv().getModRevision() + " " + e.getKv().getKey().toStringUtf8() + " " + e.getType() + " "
          + e.getKv().getValue().toStringUtf8());
    }
    lastRevision = rev;
  }

  @Override
  public synchronized void onError(io.ketch.client.EtcdException e) {
    problem("watch ended: " + e);
  }

  private void problem(String p) {
    if (problems.size() < 10) {
      problems.add(p);
    }
  }

  synchronized List<String> events() {
    return new ArrayList<>(events);
  }

  synchronized List<String> problems() {
    return new ArrayList<>(problems);
  }

  synchronized long lastRevision() {
    return lastRevision;
  }
}
