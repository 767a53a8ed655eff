package io.ketch.server.raft;

import com.google.protobuf.UnsafeByteOperations;
import io.ketch.server.peer.proto.SnapshotChunkRequest;
import io.ketch.server.peer.proto.SnapshotChunkResponse;
import io.ketch.server.peer.proto.SnapshotFile;
import io.ketch.server.peer.proto.SnapshotManifestRequest;
import io.ketch.server.peer.proto.SnapshotManifestResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Serves this member's snapshots to followers that fetch them ({@link SnapshotFetcher}): the newest
 * one's manifest (files, sizes, CRC-32C each) and pieces of its files. File reads run on a thread of
 * their own, off the peer service's transport threads, at most {@code --experimental-snapshot-send-rate}
 * bytes per second over all followers.
 *
 * <p>Checksums are computed when a manifest is first asked for and remembered by file identity
 * (inode, size, modification time): consecutive snapshots share most table files (hard links), so a
 * follower's second fetch costs no second pass over them.
 */
final class SnapshotSender implements AutoCloseable {
  /** Largest piece sent at once (the peer channel takes messages up to 32 MiB). */
  static final int MAX_CHUNK_BYTES = 8 << 20;

  private final SnapshotStore snapshots;
  private final long bytesPerSecond;
  private final Map<Object, Integer> checksums = new ConcurrentHashMap<>();
  private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "ketch-snapshot-send");
    t.setDaemon(true);
    return t;
  });
  /** When the next piece may be read, under the rate limit (reader thread only). */
  private long nextSendNanos = System.nanoTime();

  /** @param bytesPerSecond the most sent per second; 0: no limit */
  SnapshotSender(SnapshotStore snapshots, long bytesPerSecond) {
    this.snapshots = snapshots;
    this.bytesPerSecond = bytesPerSecond;
  }

  CompletableFuture<SnapshotManifestResponse> manifest(SnapshotManifestRequest request) {
    return CompletableFuture.supplyAsync(this::readManifest, reader);
  }

  CompletableFuture<SnapshotChunkResponse> chunk(SnapshotChunkRequest request) {
    return CompletableFuture.supplyAsync(() -> readChunk(request), reader);
  }

  private SnapshotManifestResponse readManifest() {
    SnapshotInfo latest = snapshots.getLatestSnapshot();
    if (latest == null) {
      return SnapshotManifestResponse.getDefaultInstance(); // no snapshot: no files
    }
    TermIndex at = latest.getTermIndex();
    snapshots.serving(at);
    SnapshotManifestResponse.Builder m = SnapshotManifestResponse.newBuilder()
        .setTerm(at.getTerm()).setIndex(at.getIndex());
    try {
      for (Path f : snapshots.files(at)) {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        Object identity = List.of(String.valueOf(a.fileKey()), a.size(), a.lastModifiedTime());
        int crc = checksums.computeIfAbsent(identity, k -> crc32c(f));
        m.addFiles(SnapshotFile.newBuilder().setName(f.getFileName().toString()).setSize(a.size()).setCrc32C(crc));
      }
    } catch (NoSuchFileException e) {
      throw gone(at);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (UncheckedIOException e) {
      throw e.getCause() instanceof NoSuchFileException ? gone(at) : e;
    }
    if (checksums.size() > 4 * m.getFilesCount() + 64) {
      checksums.clear(); // files of snapshots long deleted
    }
    return m.build();
  }

  private SnapshotChunkResponse readChunk(SnapshotChunkRequest r) {
    TermIndex at = TermIndex.valueOf(r.getTerm(), r.getIndex());
    snapshots.serving(at);
    String name = r.getName();
    if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
      throw Status.INVALID_ARGUMENT.withDescription("ketch: no snapshot file " + name).asRuntimeException();
    }
    int max = Math.min(Math.max(r.getMaxBytes(), 1), MAX_CHUNK_BYTES);
    Path file = snapshots.dir(at).resolve(name);
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      long left = Math.max(0, in.size() - r.getOffset());
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(left, max));
      throttle(buf.capacity());
      while (buf.hasRemaining() && in.read(buf, r.getOffset() + buf.position()) >= 0) {
        // read until the piece is full (a read may return less)
      }
      buf.flip();
      return SnapshotChunkResponse.newBuilder().setData(UnsafeByteOperations.unsafeWrap(buf)).build();
    } catch (NoSuchFileException e) {
      throw gone(at);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code bytes} more may be sent under the rate limit. */
  private void throttle(int bytes) {
    if (bytesPerSecond <= 0) {
      return;
    }
    long now = System.nanoTime();
    if (nextSendNanos > now) {
      LockSupport.parkNanos(nextSendNanos - now);
    }
    nextSendNanos = Math.max(nextSendNanos, now) + TimeUnit.SECONDS.toNanos(bytes) / bytesPerSecond;
  }

  private static RuntimeException gone(TermIndex at) {
    return Status.NOT_FOUND.withDescription("ketch: snapshot " + at + " is gone (a newer one replaced it)")
        .asRuntimeException();
  }

  static int crc32c(Path f) {
    CRC32C crc = new CRC32C();
    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
    try (FileChannel in = FileChannel.open(f, StandardOpenOption.READ)) {
      while (in.read(buf) >= 0) {
        buf.flip();
        crc.update(buf);
        buf.clear();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return (int) crc.getValue();
  }

  @Override
  public void close() {
    reader.shutdownNow();
  }
}
