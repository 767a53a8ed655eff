package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.PutResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A snapshot transfer resumes where it broke (issue: snapshots, item 1): a member behind the
 * leader's purged log starts fetching the leader's snapshot (sent at 4 MB/s, so the transfer takes
 * seconds), is killed with part of it on disk, and once restarted asks each file from where it
 * stopped: it fetches fewer bytes than the snapshot holds, and ends with the same HashKV as the rest.
 * Cut off again, its partly fetched file damaged while it is down, it notices by the file's checksum
 * and fetches that file again.
 */
class SnapshotFetchResumeTest {
  private static final String[] FLAGS = {"--election-timeout", "500", "--heartbeat-interval", "50",
      "--snapshot-count", "500", "--experimental-snapshot-catch-up-entries", "100",
      "--experimental-snapshot-send-rate", "4000000"};
  /**
   * Puts per round of 1 KiB values that do not compress: 20 MiB. Rounds go on until the leader purged
   * its log (Ratis purges whole 32 MB segments).
   */
  private static final int PUTS = 20_000;
  private static final Pattern FETCHED = Pattern.compile("event=snapshot-fetched .* bytes=(\\d+) fetched_bytes=(\\d+)");

  @Test
  void aKilledMemberResumesTheSnapshotItWasFetching() throws Exception {
    try (KetchCluster cluster = KetchCluster.start(3, 3, FLAGS)) {
      cluster.awaitConverged(60_000);
      int leader = cluster.awaitLeader(30_000);
      int behind = leader == 3 ? 2 : 3;
      List<Integer> rest = new ArrayList<>(List.of(1, 2, 3));
      rest.remove(Integer.valueOf(behind));
      MemberProcess m = cluster.member(behind);
      m.terminate();
      leader = cluster.awaitLeader(30_000, rest);

      ManagedChannel ch = cluster.member(leader).channel();
      try {
        // until the leader purged its log (how many entries the puts make depends on batching)
        for (int round = 0; round < 10 && !ClusterSnapshotTest.purged(cluster.member(leader).dataDir()); round++) {
          putAll(ch, round);
        }
        assertTrue(ClusterSnapshotTest.purged(cluster.member(leader).dataDir()), "the leader purged its log");
      } finally {
        ch.shutdownNow();
      }

      m.start();
      assertTrue(awaitIncoming(m.dataDir().resolve("member"), 8_000_000) != null,
          "m" + behind + " was fetching a snapshot:\n" + cluster.logTail(behind, 30));
      m.kill();
      long had = incomingBytes(m.dataDir().resolve("member"));

      m.start();
      m.awaitServing(120_000);
      cluster.awaitConverged(120_000);
      String log = Files.readString(m.log());
      assertTrue(log.contains("event=snapshot-fetch-resumed"), "resumed:\n" + cluster.logTail(behind, 40));
      Matcher f = FETCHED.matcher(log);
      assertTrue(f.find(), "fetched:\n" + cluster.logTail(behind, 40));
      long size = Long.parseLong(f.group(1));
      long fetched = Long.parseLong(f.group(2));
      assertTrue(fetched <= size - had + 4 * 1024 * 1024,
          "after the restart fetched " + fetched + " of " + size + " bytes; had " + had);
      assertTrue(log.contains("event=snapshot-loaded"), cluster.logTail(behind, 40));
      assertSameHashKv(cluster, List.of(1, 2, 3));

      // cut off again: this time a partly fetched file is damaged on disk while the member is down;
      // the member notices by the file's checksum, fetches that file again, and ends equal to the rest
      long applied = cluster.status(behind).getRaftAppliedIndex();
      m.terminate();
      ch = cluster.member(leader).channel();
      try {
        for (int round = 10; round < 20 && firstLogIndex(cluster.member(leader).dataDir()) <= applied; round++) {
          putAll(ch, round);
        }
      } finally {
        ch.shutdownNow();
      }
      m.start();
      Path partial = awaitIncoming(m.dataDir().resolve("member"), 6_000_000);
      assertTrue(partial != null, "m" + behind + " was fetching a snapshot again:\n" + cluster.logTail(behind, 30));
      m.kill();
      try (FileChannel c = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        c.write(ByteBuffer.wrap(new byte[] {0x5a, 0x5a, 0x5a, 0x5a}), 1000);
      }
      m.start();
      m.awaitServing(120_000);
      cluster.awaitConverged(120_000);
      String again = Files.readString(m.log());
      assertTrue(again.contains("failed its checksum"), "checksum:\n" + cluster.logTail(behind, 40));
      assertSameHashKv(cluster, List.of(1, 2, 3));
    }
  }

  /** The first index of the member's Raft log (its oldest segment's), or -1 without segments. */
  private static long firstLogIndex(Path dataDir) throws IOException {
    Pattern segment = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");
    try (Stream<Path> files = Files.walk(dataDir.resolve("member").resolve("raft"))) {
      return files.map(p -> segment.matcher(p.getFileName().toString())).filter(Matcher::matches)
          .mapToLong(x -> Long.parseLong(x.group(1))).min().orElse(-1);
    }
  }

  /**
   * Waits until the member's snapshot assembly directory holds {@code bytes}; returns its largest
   * file then, or null if that did not happen within a minute.
   */
  private static Path awaitIncoming(Path member, long bytes) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (incomingBytes(member) < bytes && System.nanoTime() < deadline) {
      KetchCluster.sleep(20);
    }
    if (incomingBytes(member) < bytes) {
      return null;
    }
    try (Stream<Path> files = Files.walk(member)) {
      return files.filter(p -> p.toString().contains("/incoming/") && p.toString().endsWith(".sst"))
          .max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElse(null);
    }
  }

  /** The bytes in the member's snapshot assembly directories ({@code sm/incoming/<leader>/}). */
  private static long incomingBytes(Path member) throws IOException {
    if (!Files.isDirectory(member)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(member)) {
      return files.filter(p -> p.toString().contains("/incoming/") && Files.isRegularFile(p)).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0; // moved away as it was installed
        }
      }).sum();
    }
  }

  /** {@value #PUTS} puts of new keys, 64 at a time. */
  private static void putAll(ManagedChannel ch, int round) throws Exception {
    KVGrpc.KVFutureStub kv = KVGrpc.newFutureStub(ch);
    Random random = new Random(round);
    byte[] value = new byte[1024];
    Semaphore inFlight = new Semaphore(64);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < PUTS && failure.get() == null; i++) {
      random.nextBytes(value);
      inFlight.acquire();
      Futures.addCallback(kv.withDeadlineAfter(60, TimeUnit.SECONDS).put(PutRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8(String.format("r/%d/%05d", round, i))).setValue(ByteString.copyFrom(value)).build()),
          new FutureCallback<PutResponse>() {
            @Override
            public void onSuccess(PutResponse r) {
              inFlight.release();
            }

            @Override
            public void onFailure(Throwable t) {
              failure.compareAndSet(null, t);
              inFlight.release();
            }
          }, MoreExecutors.directExecutor());
    }
    inFlight.acquire(64);
    if (failure.get() != null) {
      throw new AssertionError("a put failed", failure.get());
    }
  }

  private static void assertSameHashKv(KetchCluster cluster, List<Integer> members) {
    List<HashKVResponse> hashes = new ArrayList<>();
    for (int i : members) {
      ManagedChannel ch = cluster.member(i).channel();
      try {
        hashes.add(MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
            .hashKV(HashKVRequest.getDefaultInstance()));
      } finally {
        ch.shutdownNow();
      }
    }
    for (HashKVResponse h : hashes) {
      assertEquals(hashes.get(0).getHeader().getRevision(), h.getHeader().getRevision());
      assertEquals(hashes.get(0).getHash(), h.getHash());
    }
  }
}
