package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.server.storage.Directories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A member whose data directory is deleted, or whose disk fills up, while it runs stops serving with
 * a clear log line instead of answering from memory (issue: snapshots, item 5); after a full disk
 * is given room again, the member restarts with every write it acknowledged.
 */
class DataDirFailureTest {
  @Test
  void aDeletedDataDirStopsTheMember() throws Exception {
    Path dir = TestDirs.newDir("ketch-data-dir-deleted");
    KetchProcess ketch = new KetchProcess(dir, TestDirs.freePort(), TestDirs.freePort());
    try {
      ManagedChannel ch = ketch.channel();
      try {
        KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(bs("k")).setValue(bs("v")).build());
      } finally {
        ch.shutdownNow();
      }
      Directories.deleteTree(dir.resolve("data"));
      assertEquals(1, ketch.awaitExit(30), "the member exits with an error");
      String log = Files.readString(ketch.log());
      assertTrue(log.contains("event=data-dir-unusable") && log.contains("does not exist any more"),
          log.substring(Math.max(0, log.length() - 2000)));
    } finally {
      ketch.close();
      TestDirs.delete(dir);
    }
  }

  @Test
  void aFullDiskStopsTheMemberAndLosesNoAcknowledgedWrite() throws Exception {
    Path dir = TestDirs.newDir("ketch-disk-full");
    Path mount = dir.resolve("data"); // the data dir itself; the member's log stays outside it
    Files.createDirectories(mount);
    Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mount.toString()) == 0,
        "needs root and mount(8) to make a small file system");
    try {
      KetchProcess ketch = new KetchProcess(dir, TestDirs.freePort(), TestDirs.freePort());
      Map<String, ByteString> acknowledged = new LinkedHashMap<>();
      Random random = new Random(7);
      ManagedChannel ch = ketch.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        for (int i = 0; i < 1000; i++) {
          byte[] value = new byte[300_000];
          random.nextBytes(value);
          String key = "big/" + i;
          try {
            kv.withDeadlineAfter(10, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder().setKey(bs(key)).setValue(ByteString.copyFrom(value)).build());
            acknowledged.put(key, ByteString.copyFrom(value));
          } catch (StatusRuntimeException e) {
            break; // the disk is full: this write was not acknowledged
          }
        }
      } finally {
        ch.shutdownNow();
      }
      assertTrue(acknowledged.size() > 10 && acknowledged.size() < 1000, "writes until full: " + acknowledged.size());
      assertTrue(ketch.awaitExit(60) != 0, "the member stops with an error");
      String log = Files.readString(ketch.log());
      assertTrue(log.contains("event=data-dir-unusable") || log.contains("event=apply-failed"),
          log.substring(Math.max(0, log.length() - 3000)));

      assertEquals(0, run("mount", "-o", "remount,size=512m", mount.toString()));
      ketch.start();
      ch = ketch.channel();
      try {
        RangeResponse r = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
            .withMaxInboundMessageSize(512 << 20)
            .range(RangeRequest.newBuilder().setKey(bs("big/")).setRangeEnd(bs("big0")).build());
        Map<String, ByteString> stored = new LinkedHashMap<>();
        r.getKvsList().forEach(kv -> stored.put(kv.getKey().toStringUtf8(), kv.getValue()));
        for (Map.Entry<String, ByteString> e : acknowledged.entrySet()) {
          assertEquals(e.getValue(), stored.get(e.getKey()), "acknowledged write " + e.getKey());
        }
      } finally {
        ch.shutdownNow();
        ketch.close();
      }
    } finally {
      run("umount", "-l", mount.toString());
      TestDirs.delete(dir);
    }
  }

  private static int run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
