package io.ketch.server.api;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.RangeStreamResponse;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.server.apply.Applier;
import io.ketch.server.mvcc.KvStore;
import java.util.concurrent.Executor;
import java.util.function.UnaryOperator;

/**
 * One etcd 3.7 RangeStream call: the range is read in chunks at one pinned revision (the store's
 * when the call began, unless the request names one), each chunk sent when the client's stream has
 * room, so a range over millions of keys never holds more than a chunk in memory. etcd's chunking:
 * 10 keys first, then the limit doubles while a chunk is under half of {@code --max-request-bytes}
 * and halves while over twice it. The last chunk carries the header (its revision the pinned one),
 * {@code more} and {@code count}, which counts the keys past a request limit too.
 */
final class RangeStreamer {
  private static final long FIRST_CHUNK = 10;
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  private final KvStore kv;
  private final Applier applier;
  private final UnaryOperator<ResponseHeader> headers;
  private final ServerCallStreamObserver<RangeStreamResponse> out;
  private final Executor executor;
  private final int targetBytes;
  private final long totalLimit;
  private RangeRequest next;
  private long sent;
  private long pinned;
  private boolean done;
  private boolean running;

  RangeStreamer(KvStore kv, Applier applier, UnaryOperator<ResponseHeader> headers, RangeRequest r,
      ServerCallStreamObserver<RangeStreamResponse> out, Executor executor, long maxRequestBytes) {
    this.kv = kv;
    this.applier = applier;
    this.headers = headers;
    this.out = out;
    this.executor = executor;
    this.targetBytes = (int) Math.min(Integer.MAX_VALUE, maxRequestBytes);
    this.totalLimit = r.getLimit() > 0 ? r.getLimit() : Long.MAX_VALUE;
    this.next = r.getCountOnly() ? r : r.toBuilder().setLimit(Math.min(FIRST_CHUNK, totalLimit)).build();
    out.setOnReadyHandler(this::resume);
    out.setOnCancelHandler(() -> {
      synchronized (this) {
        done = true;
      }
    });
  }

  /** Sends chunks while the stream has room; the ready handler calls it again. */
  void resume() {
    synchronized (this) {
      if (running || done) {
        return;
      }
      running = true;
    }
    executor.execute(this::pump);
  }

  private void pump() {
    try {
      while (true) {
        synchronized (this) {
          if (done || !out.isReady()) {
            running = false;
            return;
          }
        }
        if (sendChunk()) {
          synchronized (this) {
            done = true;
            running = false;
          }
          out.onCompleted();
          return;
        }
      }
    } catch (RuntimeException e) {
      synchronized (this) {
        done = true;
        running = false;
      }
      out.onError(ErrorTable.toStatus(e));
    }
  }

  /** Reads and sends the next chunk; returns whether it was the last. */
  private boolean sendChunk() {
    RangeRequest chunk = next;
    RangeResponse resp = kv.read(rv -> applier.range(rv, chunk));
    if (chunk.getCountOnly()) { // one response, as etcd's: the header and the count
      out.onNext(RangeStreamResponse.newBuilder().setRangeResponse(RangeResponse.newBuilder()
          .setHeader(headers.apply(ResponseHeader.newBuilder().setRevision(resp.getHeader().getRevision()).build()))
          .setCount(resp.getCount())).build());
      return true;
    }
    if (pinned == 0) {
      pinned = resp.getHeader().getRevision();
      if (chunk.getRevision() == 0) {
        next = next.toBuilder().setRevision(pinned).build();
      }
    }
    sent += resp.getKvsCount();
    boolean last = !resp.getMore() || sent == totalLimit;
    RangeResponse.Builder piece = RangeResponse.newBuilder().addAllKvs(resp.getKvsList());
    if (last) {
      long count = sent;
      if (resp.getMore()) {
        RangeRequest rest = next.toBuilder().setKey(after(resp)).setLimit(0).setCountOnly(true).build();
        count += kv.read(rv -> applier.range(rv, rest)).getCount();
      }
      piece.setHeader(headers.apply(ResponseHeader.newBuilder().setRevision(pinned).build()))
          .setMore(resp.getMore()).setCount(count);
    } else {
      next = next.toBuilder().setKey(after(resp)).setLimit(Math.min(nextLimit(chunk.getLimit(), resp.getSerializedSize()),
          totalLimit - sent)).build();
    }
    out.onNext(RangeStreamResponse.newBuilder().setRangeResponse(piece).build());
    return last;
  }

  /** The first key after a chunk: its last key and a zero byte. */
  private static ByteString after(RangeResponse chunk) {
    return chunk.getKvs(chunk.getKvsCount() - 1).getKey().concat(ZERO);
  }

  private long nextLimit(long last, int lastBytes) {
    long limit = last;
    if (lastBytes < targetBytes / 2) {
      limit *= 2;
    } else if (lastBytes > targetBytes * 2) {
      limit /= 2;
    }
    return Math.max(1, limit);
  }
}
