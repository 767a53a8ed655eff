package io.ketch.server.watch;

import com.google.protobuf.CodedOutputStream;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link WatchResponse} already in wire form, built so that what many watchers share is encoded
 * once: {@code head} (the header field) and {@code tail} (the events) are shared arrays; only the
 * watch id is per watcher. The bytes are exactly protobuf's own serialization (fields in number
 * order), so clients cannot tell the difference. Opaque outside this package: gRPC writes it through
 * {@link ResponseMarshaller}.
 *
 * <p>An event response still waiting in its stream's buffer can take a later response of the same
 * watcher ({@link #merge}): its events are appended and its header becomes the later one, so a
 * watcher whose client is slower than the writes gets fewer, larger responses. Not thread-safe: its
 * {@link WatchStream} guards it.
 */
public final class EncodedResponse {
  private static final byte[] EMPTY = new byte[0];

  private byte[] head;
  private final long watchId;
  private final List<byte[]> tails;
  private final boolean mergeable;
  private int size;
  /** Taken by the sender (or discarded): no more merges. Guarded by the owning stream. */
  private boolean sent;

  private EncodedResponse(byte[] head, long watchId, byte[] tail, boolean mergeable) {
    this.head = head;
    this.watchId = watchId;
    this.tails = new ArrayList<>(mergeable ? 8 : 1);
    this.tails.add(tail);
    this.mergeable = mergeable;
    this.size = head.length + idSize(watchId) + tail.length;
  }

  /** A whole response (control responses, fragments); never merged. */
  static EncodedResponse of(WatchResponse r) {
    return new EncodedResponse(r.toByteArray(), 0, EMPTY, false);
  }

  /**
   * An event response from shared parts (see {@link #headerField} and {@link #eventsField}); a later
   * one of the same watcher may be merged into it if {@code mergeable}.
   */
  static EncodedResponse events(byte[] headerField, long watchId, byte[] eventsField, boolean mergeable) {
    return new EncodedResponse(headerField, watchId, eventsField, mergeable);
  }

  /** The watch this response belongs to (0 for responses built whole). */
  long watchId() {
    return watchId;
  }

  boolean mergeable() {
    return mergeable;
  }

  boolean sent() {
    return sent;
  }

  void markSent() {
    sent = true;
  }

  /** Appends a later response's events (same watcher, later revisions) and takes its header. */
  void merge(byte[] laterHead, List<byte[]> laterEvents) {
    size += laterHead.length - head.length;
    head = laterHead;
    for (byte[] t : laterEvents) {
      tails.add(t);
      size += t.length;
    }
  }

  /** Appends a later response's events (same watcher, later revisions) and takes its header. */
  void merge(byte[] laterHead, byte[] laterEvents) {
    size += laterHead.length - head.length + laterEvents.length;
    head = laterHead;
    tails.add(laterEvents);
  }

  byte[] head() {
    return head;
  }

  /** The encoded events, in order. */
  List<byte[]> events() {
    return tails;
  }

  /** The header as field 1 of a WatchResponse. */
  static byte[] headerField(ResponseHeader h) {
    return h.getSerializedSize() == 0 ? EMPTY : WatchResponse.newBuilder().setHeader(h).build().toByteArray();
  }

  /** The events as the repeated field 11 of a WatchResponse. */
  static byte[] eventsField(List<Event> events) {
    int size = 0;
    for (Event e : events) {
      size += CodedOutputStream.computeMessageSize(WatchResponse.EVENTS_FIELD_NUMBER, e);
    }
    byte[] out = new byte[size];
    CodedOutputStream c = CodedOutputStream.newInstance(out);
    try {
      for (Event e : events) {
        c.writeMessage(WatchResponse.EVENTS_FIELD_NUMBER, e);
      }
      c.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("encoding into an array failed", e);
    }
    return out;
  }

  private static int idSize(long watchId) {
    return watchId == 0 ? 0 : CodedOutputStream.computeInt64Size(WatchResponse.WATCH_ID_FIELD_NUMBER, watchId);
  }

  int size() {
    return size;
  }

  /** The wire bytes as a stream gRPC can drain straight into its buffers. */
  InputStream stream() {
    return new Stream();
  }

  private byte[] bytes() {
    byte[] out = new byte[size];
    System.arraycopy(head, 0, out, 0, head.length);
    int idBytes = idSize(watchId);
    if (idBytes > 0) {
      CodedOutputStream c = CodedOutputStream.newInstance(out, head.length, idBytes);
      try {
        c.writeInt64(WatchResponse.WATCH_ID_FIELD_NUMBER, watchId);
      } catch (IOException e) {
        throw new IllegalStateException("encoding into an array failed", e);
      }
    }
    int at = head.length + idBytes;
    for (byte[] t : tails) {
      System.arraycopy(t, 0, out, at, t.length);
      at += t.length;
    }
    return out;
  }

  /** The response's bytes; drained in one go by gRPC, read byte-wise only as a fallback. */
  private final class Stream extends InputStream implements KnownLength, Drainable {
    private ByteArrayInputStream fallback;
    private boolean drained;

    @Override
    public int drainTo(OutputStream target) throws IOException {
      if (fallback != null) {
        return (int) fallback.transferTo(target);
      }
      if (drained) {
        return 0;
      }
      drained = true;
      // one write: each write into gRPC's buffers costs far more than copying a small array here
      target.write(bytes());
      return size;
    }

    @Override
    public int available() {
      if (fallback != null) {
        return fallback.available();
      }
      return drained ? 0 : size;
    }

    @Override
    public int read() {
      return fallbackStream().read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return fallbackStream().read(b, off, len);
    }

    private ByteArrayInputStream fallbackStream() {
      if (fallback == null) {
        fallback = new ByteArrayInputStream(drained ? EMPTY : bytes());
      }
      return fallback;
    }
  }
}
