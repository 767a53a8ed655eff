package io.ketch.server.raft;

import io.ketch.server.peer.PeerClient;
import io.ketch.server.peer.PeerMethods;
import io.ketch.server.peer.PeerUnavailableException;
import io.ketch.server.peer.proto.ClusterInfoRequest;
import io.ketch.server.peer.proto.ClusterInfoResponse;
import io.ketch.server.peer.proto.RaftPeer;
import io.ketch.server.peer.proto.SnapshotChunkRequest;
import io.ketch.server.peer.proto.SnapshotFile;
import io.ketch.server.peer.proto.SnapshotManifestRequest;
import io.ketch.server.peer.proto.SnapshotManifestResponse;
import io.ketch.server.storage.Directories;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches the leader's newest snapshot when this member is behind the leader's log (Ratis tells the
 * state machine so instead of pushing the snapshot itself, see {@link RaftTuning}): the manifest,
 * then each file in pieces over the peer service, into {@code sm/incoming/<leader>/}. Each file is
 * checked against the leader's CRC-32C once whole; the snapshot is installed only when all are.
 *
 * <p>Resumable: what arrived stays on disk when the transfer breaks (the leader restarts, the network
 * fails, this member is killed), and the next attempt — Ratis asks again while this member is behind
 * — asks each file from where it stopped. Files of another snapshot of the same leader are reused
 * only when they are table files ({@code .sst}: never rewritten under the same name); a file that
 * fails its checksum is fetched again from the start.
 */
final class SnapshotFetcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFetcher.class);
  private static final int CHUNK_BYTES = 4 << 20;
  // short: a leader that stopped (paused, cut off) must not hold this member up; Ratis asks again
  private static final Duration MANIFEST_TIMEOUT = Duration.ofSeconds(30); // the leader may checksum GiBs first
  private static final Duration CHUNK_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  /** Names the snapshot the files in a leader's directory belong to. */
  private static final String TARGET = "SNAPSHOT.target";

  private final SnapshotStore snapshots;
  private final PeerClient peers;
  /**
   * Peer addresses from {@code --initial-cluster}, asked where the leader is when this member does
   * not know: a joining member restarted before it installed its first snapshot has no member table.
   */
  private final List<String> bootstrapPeers;
  /** The leader this member follows now (hex ID, or empty): a fetch from another stops. */
  private final Supplier<String> currentLeader;
  private final ExecutorService fetcher = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "ketch-snapshot-fetch");
    t.setDaemon(true);
    return t;
  });

  SnapshotFetcher(SnapshotStore snapshots, PeerClient peers, List<String> bootstrapPeers,
      Supplier<String> currentLeader) {
    this.currentLeader = currentLeader;
    this.snapshots = snapshots;
    this.peers = peers;
    this.bootstrapPeers = List.copyOf(bootstrapPeers);
  }

  /**
   * Fetches and installs the newest snapshot of the leader {@code leaderId}, whose peer service is at
   * {@code leaderAddress}; completes with its position once it is this member's newest snapshot, or
   * with null when the leader has none newer than this member's.
   */
  CompletableFuture<TermIndex> fetch(String leaderId, String leaderAddress) {
    CompletableFuture<TermIndex> done = new CompletableFuture<>();
    fetcher.execute(() -> {
      try {
        done.complete(fetchNow(leaderId, leaderAddress));
      } catch (Exception e) {
        LOG.warn("event=snapshot-fetch-failed leader={} detail=\"{}\": the leader asks again", leaderId, e.toString());
        // Ratis asks again at once after a failure, every heartbeat: not a loop of failures
        LockSupport.parkNanos(RETRY_PAUSE.toNanos());
        done.completeExceptionally(e);
      }
    });
    return done;
  }

  private TermIndex fetchNow(String leaderId, String target) throws Exception {
    long start = System.nanoTime();
    String leaderAddress = target;
    SnapshotManifestResponse manifest;
    try {
      manifest = await(peers.call(leaderAddress, PeerMethods.SNAPSHOT_MANIFEST,
          SnapshotManifestRequest.getDefaultInstance(), MANIFEST_TIMEOUT), MANIFEST_TIMEOUT);
    } catch (PeerUnavailableException e) {
      leaderAddress = lookUp(leaderId);
      if (leaderAddress == null) {
        throw e;
      }
      manifest = await(peers.call(leaderAddress, PeerMethods.SNAPSHOT_MANIFEST,
          SnapshotManifestRequest.getDefaultInstance(), MANIFEST_TIMEOUT), MANIFEST_TIMEOUT);
    }
    TermIndex at = TermIndex.valueOf(manifest.getTerm(), manifest.getIndex());
    SnapshotInfo latest = snapshots.getLatestSnapshot();
    if (manifest.getFilesCount() == 0 || latest != null && latest.getIndex() >= at.getIndex()) {
      // nothing newer to install: Ratis (which also asks a new member whether it wants the leader's
      // snapshot before sending it the log) goes on with the log
      LOG.info("event=snapshot-fetch-skipped leader={} leader_snapshot={} own_snapshot={}", leaderId,
          manifest.getFilesCount() == 0 ? "none" : at, latest == null ? "none" : latest.getTermIndex());
      return null;
    }
    Path dir = prepare(leaderId, at);
    long total = manifest.getFilesList().stream().mapToLong(SnapshotFile::getSize).sum();
    LOG.info("event=snapshot-fetch-started leader={} index={} term={} files={} bytes={}", leaderId, at.getIndex(),
        at.getTerm(), manifest.getFilesCount(), total);
    Set<String> names = new HashSet<>();
    long fetched = 0;
    for (SnapshotFile f : manifest.getFilesList()) {
      String name = f.getName();
      if (name.isEmpty() || name.contains("/") || name.startsWith(".") || name.equals(TARGET)) {
        throw new IOException("ketch: leader's snapshot lists a bad file name: " + name);
      }
      names.add(name);
      fetched += fetchFile(leaderId, leaderAddress, at, f, dir.resolve(name));
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        if (!names.contains(p.getFileName().toString())) {
          Files.delete(p); // of an earlier snapshot, or the target marker
        }
      }
    }
    snapshots.install(dir, at);
    LOG.info("event=snapshot-fetched leader={} index={} term={} bytes={} fetched_bytes={} millis={}", leaderId,
        at.getIndex(), at.getTerm(), total, fetched, (System.nanoTime() - start) / 1_000_000);
    return at;
  }

  /** The peer address of member {@code id} (hex) as the {@code --initial-cluster} peers know it, or null. */
  private String lookUp(String id) {
    long member = Long.parseUnsignedLong(id, 16);
    for (String peer : bootstrapPeers) {
      try {
        ClusterInfoResponse info = await(peers.call(peer, PeerMethods.CLUSTER_INFO,
            ClusterInfoRequest.getDefaultInstance(), CHUNK_TIMEOUT), CHUNK_TIMEOUT);
        for (RaftPeer p : info.getVotersList()) {
          if (p.getId() == member) {
            return p.getAddress();
          }
        }
      } catch (Exception e) {
        LOG.debug("event=peer-unreachable peer={} detail=\"{}\"", peer, e.toString());
      }
    }
    return null;
  }

  /**
   * The directory the leader's snapshot {@code at} is assembled in, with only what can be resumed:
   * everything if it held the same snapshot, else its table files. Other leaders' directories go.
   */
  private Path prepare(String leaderId, TermIndex at) throws IOException {
    Path incoming = snapshots.incoming();
    Path dir = incoming.resolve(leaderId);
    try (Stream<Path> s = Files.list(incoming)) {
      for (Path p : s.toList()) {
        if (!p.equals(dir)) {
          Directories.deleteTree(p);
        }
      }
    }
    Files.createDirectories(dir);
    Path target = dir.resolve(TARGET);
    String name = at.getTerm() + "_" + at.getIndex();
    boolean same = Files.exists(target) && Files.readString(target, StandardCharsets.UTF_8).equals(name);
    if (!same) {
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.toList()) {
          if (!p.getFileName().toString().endsWith(".sst")) {
            Files.delete(p);
          }
        }
      }
      Files.writeString(target, name, StandardCharsets.UTF_8);
    }
    return dir;
  }

  /** Fetches what is missing of {@code f} into {@code local} and checks it; returns the bytes fetched. */
  private long fetchFile(String leaderId, String leaderAddress, TermIndex at, SnapshotFile f, Path local)
      throws Exception {
    long have = Files.exists(local) ? Files.size(local) : 0;
    if (have > f.getSize()) {
      Files.delete(local);
      have = 0;
    } else if (have > 0 && have < f.getSize()) {
      LOG.info("event=snapshot-fetch-resumed file={} offset={} size={}", f.getName(), have, f.getSize());
    }
    long fetched = 0;
    try (FileChannel out = FileChannel.open(local, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      while (have < f.getSize()) {
        String now = currentLeader.get();
        if (!now.isEmpty() && !now.equals(leaderId)) {
          throw new IOException("ketch: the leader changed from " + leaderId + " to " + now + " during the fetch");
        }
        SnapshotChunkRequest ask = SnapshotChunkRequest.newBuilder().setTerm(at.getTerm()).setIndex(at.getIndex())
            .setName(f.getName()).setOffset(have).setMaxBytes((int) Math.min(CHUNK_BYTES, f.getSize() - have)).build();
        ByteBuffer data = await(peers.call(leaderAddress, PeerMethods.SNAPSHOT_CHUNK, ask, CHUNK_TIMEOUT), CHUNK_TIMEOUT)
            .getData().asReadOnlyByteBuffer();
        if (!data.hasRemaining()) {
          throw new IOException("ketch: leader's snapshot file " + f.getName() + " ended at " + have + " of "
              + f.getSize() + " bytes");
        }
        while (data.hasRemaining()) {
          int n = out.write(data, have);
          have += n;
          fetched += n;
        }
      }
      out.force(true);
    }
    int crc = SnapshotSender.crc32c(local);
    if (crc != f.getCrc32C()) {
      Files.delete(local);
      throw new IOException(String.format("ketch: snapshot file %s from the leader failed its checksum "
          + "(crc32c %08x, leader's %08x): fetching it again", f.getName(), crc, f.getCrc32C()));
    }
    return fetched;
  }

  private static <T> T await(CompletableFuture<T> call, Duration timeout) throws Exception {
    try {
      return call.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception c ? c : e;
    } catch (TimeoutException e) {
      call.cancel(true);
      throw e;
    }
  }

  @Override
  public void close() {
    fetcher.shutdownNow();
  }
}
