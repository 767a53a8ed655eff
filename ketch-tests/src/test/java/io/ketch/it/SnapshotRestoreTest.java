package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.failure;
import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.api.etcdserverpb.Member;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.client.Client;
import io.ketch.client.options.GetOption;
import io.ketch.server.KetchServer;
import io.ketch.server.admin.SnapshotCommand;
import io.ketch.server.config.Flags;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ketch snapshot restore}: a backup saved from one member becomes a new one-member cluster's
 * store — same keys, values, history bounds and revision, a new member table — and takes writes.
 */
class SnapshotRestoreTest {
  private record Ran(int exit, String out, String err) {}

  private static Ran snapshot(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = SnapshotCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Ran(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aRestoredBackupStartsANewClusterWithTheSameStore() throws Exception {
    Path dir = TestDirs.newDir("snapshot-restore");
    try {
      Path backup = dir.resolve("backup.db");
      RangeResponse before;
      long compacted;
      long originalMember;
      try (KetchNode original = new KetchNode(); Client c = ClientFixture.client(original)) {
        for (int i = 0; i < 100; i++) {
          get(c.kv().put(bs("k/" + i), bs("v" + i)));
        }
        compacted = get(c.kv().put(bs("k/0"), bs("again"))).getHeader().getRevision();
        get(c.kv().compact(compacted, true));
        get(c.kv().delete(bs("k/1")));
        before = get(c.kv().get(bs("k/"), GetOption.builder().withPrefix().build()));
        originalMember = before.getHeader().getMemberId();
        try (OutputStream out = Files.newOutputStream(backup)) {
          get(c.maintenance().snapshot(original.address(), out));
        }
      }

      int clientPort = TestDirs.freePort();
      int peerPort = TestDirs.freePort();
      String peer = "http://127.0.0.1:" + peerPort;
      String client = "http://127.0.0.1:" + clientPort;
      Path data = dir.resolve("r1.ketch");
      Ran restored = snapshot("restore", backup.toString(), "--name", "r1", "--data-dir", data.toString(),
          "--initial-cluster", "r1=" + peer, "--initial-cluster-token", "restored",
          "--initial-advertise-peer-urls", peer);
      assertEquals(0, restored.exit(), restored.err());
      assertTrue(restored.out().contains("revision " + before.getHeader().getRevision()), restored.out());

      // the same data dir again: refused, nothing touched
      Ran again = snapshot("restore", backup.toString(), "--name", "r1", "--data-dir", data.toString(),
          "--initial-cluster", "r1=" + peer, "--initial-advertise-peer-urls", peer);
      assertEquals(1, again.exit());
      assertTrue(again.err().contains("exists"), again.err());
      Ran unknownName = snapshot("restore", backup.toString(), "--name", "r9", "--data-dir",
          dir.resolve("r9").toString(), "--initial-cluster", "r1=" + peer, "--initial-advertise-peer-urls", peer);
      assertEquals(1, unknownName.exit());
      assertTrue(unknownName.err().contains("couldn't find local name \"r9\""), unknownName.err());
      assertTrue(!Files.exists(dir.resolve("r9")));

      String[] flags = {"--name", "r1", "--data-dir", data.toString(), "--listen-client-urls", client,
          "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
          "--initial-cluster", "r1=" + peer, "--initial-cluster-token", "restored"};
      try (KetchServer server = KetchServer.start(((Flags.Serve) Flags.parse(flags, Map.of())).config());
          Client c = Client.builder().endpoints("127.0.0.1:" + clientPort).build()) {
        RangeResponse after = get(c.kv().get(bs("k/"), GetOption.builder().withPrefix().build()));
        assertEquals(before.getKvsList(), after.getKvsList());
        assertEquals(before.getHeader().getRevision(), after.getHeader().getRevision());
        // the history bounds came along: below the compaction is gone, above it is there
        assertTrue(failure(c.kv().get(bs("k/0"), GetOption.builder().withRevision(compacted - 1).build()))
            .contains("required revision has been compacted"));
        assertEquals("v1", get(c.kv().get(bs("k/1"), GetOption.builder().withRevision(compacted).build()))
            .getKvs(0).getValue().toStringUtf8());

        List<Member> members = get(c.cluster().list(false)).getMembersList();
        assertEquals(1, members.size());
        assertEquals("r1", members.get(0).getName());
        assertNotEquals(originalMember, members.get(0).getID());

        long rev = get(c.kv().put(bs("new"), bs("x"))).getHeader().getRevision();
        assertEquals(before.getHeader().getRevision() + 1, rev);
      }
    } finally {
      TestDirs.delete(dir);
    }
  }
}
