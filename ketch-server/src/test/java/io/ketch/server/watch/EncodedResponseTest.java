package io.ketch.server.watch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pre-encoded responses must be byte for byte what protobuf writes, merged or not. */
class EncodedResponseTest {
  private static Event put(String key, String value, long rev) {
    return Event.newBuilder().setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8(value)).setCreateRevision(rev).setModRevision(rev).setVersion(1)).build();
  }

  private static ResponseHeader header(long rev) {
    return ResponseHeader.newBuilder().setClusterId(7).setMemberId(9).setRevision(rev).setRaftTerm(2).build();
  }

  private static byte[] drained(EncodedResponse r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = r.stream();
    assertEquals(r.size(), in.available());
    ((io.grpc.Drainable) in).drainTo(out);
    return out.toByteArray();
  }

  @Test
  void sharedPartsEncodeAsProtobufDoes() throws IOException {
    List<Event> evs = List.of(put("a", "1", 5), put("b", "2", 5));
    for (long id : new long[] {0, 1, 300, -1}) {
      EncodedResponse r = EncodedResponse.events(EncodedResponse.headerField(header(5)), id,
          EncodedResponse.eventsField(evs), true);
      byte[] want = WatchResponse.newBuilder().setHeader(header(5)).setWatchId(id).addAllEvents(evs).build().toByteArray();
      assertArrayEquals(want, drained(r), "watch id " + id);
      assertEquals(want.length, r.size());
    }
  }

  @Test
  void mergedResponseCarriesEveryEventAndTheLaterHeader() throws IOException {
    List<Event> first = List.of(put("a", "1", 5));
    List<Event> second = List.of(put("b", "2", 6), put("c", "3", 6));
    EncodedResponse r = EncodedResponse.events(EncodedResponse.headerField(header(5)), 3,
        EncodedResponse.eventsField(first), true);
    r.merge(EncodedResponse.headerField(header(6)), EncodedResponse.eventsField(second));
    List<Event> all = new ArrayList<>(first);
    all.addAll(second);
    byte[] want = WatchResponse.newBuilder().setHeader(header(6)).setWatchId(3).addAllEvents(all).build().toByteArray();
    assertArrayEquals(want, drained(r));
    assertEquals(want.length, r.size());
  }

  @Test
  void readFallbackGivesTheSameBytes() throws IOException {
    WatchResponse whole = WatchResponse.newBuilder().setHeader(header(4)).setWatchId(2).setCreated(true).build();
    EncodedResponse r = EncodedResponse.of(whole);
    assertFalse(r.mergeable());
    assertArrayEquals(whole.toByteArray(), r.stream().readAllBytes());
  }

  @Test
  void fragmentsSplitAsEtcdDoes() {
    String big = "x".repeat(400);
    List<Event> evs = List.of(put("a", big, 5), put("b", big, 5), put("c", big, 5));
    WatchResponse whole = WatchResponse.newBuilder().setHeader(header(5)).setWatchId(1).addAllEvents(evs).build();
    List<WatchResponse> parts = Fragments.split(whole, 1000);
    assertEquals(2, parts.size());
    assertEquals(2, parts.get(0).getEventsCount());
    assertTrue(parts.get(0).getFragment());
    assertEquals(1, parts.get(1).getEventsCount());
    assertFalse(parts.get(1).getFragment());
    assertTrue(parts.get(0).getSerializedSize() < 1000);
  }
}
