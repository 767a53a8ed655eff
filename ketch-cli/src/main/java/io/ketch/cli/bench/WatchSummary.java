package io.ketch.cli.bench;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.LongPredicate;

/**
 * What the fan-out load needs from a WatchResponse, read straight off the wire without building
 * message objects (the load tool shares the machine with the server under test, so its own decoding
 * must stay cheap): watch id, created flag, event count, and — for sampled watchers — the send time
 * carried at the start of each event's value.
 *
 * @param sendTimes send times of the events (only for sampled watchers), {@code sampled} entries
 */
record WatchSummary(long watchId, boolean created, int events, long[] sendTimes, int sampled) {

  /** Reads responses into summaries, decoding values only for watch ids {@code sample} accepts. */
  static MethodDescriptor.Marshaller<WatchSummary> marshaller(LongPredicate sample) {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(WatchSummary value) {
        throw new UnsupportedOperationException("summaries are only read");
      }

      @Override
      public WatchSummary parse(InputStream stream) {
        try {
          return read(CodedInputStream.newInstance(stream), sample);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  private static final int WATCH_ID = 2;
  private static final int CREATED = 3;
  private static final int EVENTS = 11;
  private static final int EVENT_KV = 2;
  private static final int KV_VALUE = 5;

  private static WatchSummary read(CodedInputStream in, LongPredicate sample) throws IOException {
    long watchId = 0;
    boolean created = false;
    int events = 0;
    long[] times = null;
    int sampled = 0;
    // etcd and protobuf write watch_id (2) before events (11), so the sampling decision is known in time
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      switch (WireFormat.getTagFieldNumber(tag)) {
        case WATCH_ID -> watchId = in.readInt64();
        case CREATED -> created = in.readBool();
        case EVENTS -> {
          events++;
          if (!sample.test(watchId)) {
            in.skipField(tag);
            break;
          }
          long t = sendTime(in);
          if (t != Long.MIN_VALUE) {
            if (times == null) {
              times = new long[16];
            } else if (sampled == times.length) {
              times = java.util.Arrays.copyOf(times, sampled * 2);
            }
            times[sampled++] = t;
          }
        }
        default -> in.skipField(tag);
      }
    }
    return new WatchSummary(watchId, created, events, times, sampled);
  }

  /** The send time in one event's value (8 bytes, then a zero phase byte), or MIN_VALUE if none. */
  private static long sendTime(CodedInputStream in) throws IOException {
    int eventLimit = in.pushLimit(in.readRawVarint32());
    long t = Long.MIN_VALUE;
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (WireFormat.getTagFieldNumber(tag) != EVENT_KV) {
        in.skipField(tag);
        continue;
      }
      int kvLimit = in.pushLimit(in.readRawVarint32());
      while (!in.isAtEnd()) {
        int kvTag = in.readTag();
        if (WireFormat.getTagFieldNumber(kvTag) == KV_VALUE) {
          byte[] v = in.readByteArray();
          if (v.length >= 9 && v[8] == 0) {
            t = java.nio.ByteBuffer.wrap(v).getLong(0);
          }
        } else {
          in.skipField(kvTag);
        }
      }
      in.popLimit(kvLimit);
    }
    in.popLimit(eventLimit);
    return t;
  }
}
