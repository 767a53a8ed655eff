package io.ketch.server.watch;

import com.google.protobuf.CodedOutputStream;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * etcd's split of a large watch response into fragments: each fragment takes events in order until
 * adding one more would reach the limit (a fragment always takes at least one event); every fragment
 * but the last has {@code fragment} set.
 */
final class Fragments {
  private static final int EVENTS_FIELD = WatchResponse.EVENTS_FIELD_NUMBER;

  private Fragments() {}

  static List<WatchResponse> split(WatchResponse whole, long limitBytes) {
    WatchResponse base = whole.toBuilder().clearEvents().setFragment(true).build();
    int baseSize = base.getSerializedSize();
    List<Event> events = whole.getEventsList();
    List<WatchResponse> out = new ArrayList<>();
    int i = 0;
    while (i < events.size()) {
      int from = i;
      long size = baseSize;
      while (i < events.size()) {
        long next = size + CodedOutputStream.computeMessageSize(EVENTS_FIELD, events.get(i));
        if (i > from && next >= limitBytes) {
          break;
        }
        size = next;
        i++;
      }
      WatchResponse.Builder f = base.toBuilder().addAllEvents(events.subList(from, i));
      if (i == events.size()) {
        f.setFragment(false);
      }
      out.add(f.build());
    }
    return out;
  }
}
