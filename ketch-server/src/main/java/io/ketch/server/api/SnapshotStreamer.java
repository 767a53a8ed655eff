package io.ketch.server.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.ketch.api.etcdserverpb.SnapshotResponse;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Directories;
import io.ketch.server.storage.SnapshotArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintenance.Snapshot: a consistent point-in-time copy of this member's backend, streamed as etcd
 * streams its own: chunks of the backup ({@link SnapshotArchive}) with the bytes remaining, then one
 * more message holding the SHA-256 of all of them. The copy is a RocksDB checkpoint (hard links, so
 * taking it costs no copy and writes go on), deleted once sent. Sending follows the client's pace
 * (gRPC flow control), so a slow client holds the checkpoint longer, not more memory. Backups are
 * sent one at a time.
 */
final class SnapshotStreamer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStreamer.class);
  /** As etcd's snapshotSendBufferSize. */
  private static final int CHUNK_BYTES = 32 * 1024;

  private final Backend backend;
  private final Path scratch;
  private final AtomicLong taken = new AtomicLong();
  private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "ketch-snapshot-send");
    t.setDaemon(true);
    return t;
  });

  /** {@code scratch}: a directory on the backend's file system for checkpoints (emptied now). */
  SnapshotStreamer(Backend backend, Path scratch) {
    this.backend = backend;
    this.scratch = scratch;
    deleteTree(scratch); // checkpoints left by a crash mid-send
  }

  void stream(ServerCallStreamObserver<SnapshotResponse> out) {
    Object ready = new Object();
    out.setOnReadyHandler(() -> {
      synchronized (ready) {
        ready.notifyAll();
      }
    });
    out.setOnCancelHandler(() -> {
      synchronized (ready) {
        ready.notifyAll();
      }
    });
    sender.execute(() -> send(out, ready));
  }

  private void send(ServerCallStreamObserver<SnapshotResponse> out, Object ready) {
    Path dir = scratch.resolve("backup-" + taken.incrementAndGet());
    try {
      Files.createDirectories(scratch);
      backend.checkpoint(dir);
      long total = SnapshotArchive.size(dir);
      MessageDigest sha = SnapshotArchive.sha256();
      long[] sent = {0};
      OutputStream chunks = new OutputStream() {
        private final byte[] buf = new byte[CHUNK_BYTES];
        private int n;

        @Override
        public void write(int b) throws IOException {
          buf[n++] = (byte) b;
          if (n == buf.length) {
            flushChunk();
          }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          while (len > 0) {
            int k = Math.min(len, buf.length - n);
            System.arraycopy(b, off, buf, n, k);
            n += k;
            off += k;
            len -= k;
            if (n == buf.length) {
              flushChunk();
            }
          }
        }

        @Override
        public void flush() throws IOException {
          if (n > 0) {
            flushChunk();
          }
        }

        private void flushChunk() throws IOException {
          sha.update(buf, 0, n);
          sent[0] += n;
          awaitReady(out, ready);
          out.onNext(SnapshotResponse.newBuilder()
              .setRemainingBytes(total - sent[0])
              .setBlob(ByteString.copyFrom(buf, 0, n))
              .build());
          n = 0;
        }
      };
      SnapshotArchive.write(dir, chunks);
      chunks.flush();
      if (sent[0] != total) {
        throw new IOException("backup of " + sent[0] + " bytes, announced " + total);
      }
      awaitReady(out, ready);
      out.onNext(SnapshotResponse.newBuilder().setBlob(ByteString.copyFrom(sha.digest())).build());
      out.onCompleted();
      LOG.info("event=snapshot-sent bytes={}", total);
    } catch (CancelledException e) {
      LOG.info("event=snapshot-cancelled");
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=snapshot-failed", e);
      try {
        out.onError(Status.INTERNAL.withDescription("ketch: snapshot failed: " + e.getMessage()).asRuntimeException());
      } catch (RuntimeException closed) {
        // the call ended meanwhile
      }
    } finally {
      deleteTree(dir);
    }
  }

  /** The client went away mid-send. */
  private static final class CancelledException extends IOException {
    CancelledException() {
      super("cancelled");
    }
  }

  private static void awaitReady(ServerCallStreamObserver<?> out, Object ready) throws IOException {
    synchronized (ready) {
      while (!out.isReady()) {
        if (out.isCancelled()) {
          throw new CancelledException();
        }
        try {
          ready.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CancelledException();
        }
      }
    }
  }

  private static void deleteTree(Path dir) {
    try {
      Directories.deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("event=snapshot-scratch-not-deleted dir={}", dir, e);
    }
  }

  @Override
  public void close() {
    sender.shutdownNow();
  }
}
