package io.ketch.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.PutResponse;
import io.ketch.server.alarm.Alarms;
import io.ketch.server.auth.AuthStore;
import io.ketch.server.auth.SimpleTokens;
import io.ketch.server.apply.Applier;
import io.ketch.server.cluster.Bootstrap;
import io.ketch.server.cluster.Membership;
import io.ketch.server.config.Flags;
import io.ketch.server.config.LoopbackPorts;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.lease.Lessor;
import io.ketch.server.mvcc.KvStore;
import io.ketch.server.peer.PeerClient;
import io.ketch.server.peer.PeerService;
import io.ketch.server.raft.proto.InternalRequest;
import io.ketch.server.storage.RocksBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A one-member group serves nothing before its leader is ready (its term's first entry applied).
 * Ratis answers a singleton's ReadIndex with the commit index at once, even before that entry is
 * applied, while it refuses writes until then: a server that opened its client port on such a read
 * handed its first clients "no leader" (seen in CI), and after a restart could serve a read below
 * writes it had acknowledged, since the commit index is not persisted.
 */
class LeaderReadyBeforeServingTest {
  @TempDir
  Path dir;

  @Test
  void noLinearizableReadBeforeTheLeaderIsReady() throws Exception {
    try (Member m = new Member(dir.resolve("read"))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        assertTrue(System.nanoTime() < deadline, "no read barrier passed within 30 s");
        try {
          m.raft.readBarrier().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException notYet) {
          continue; // no leader yet: refused, which is right
        }
        assertTrue(m.raft.leading(), "a read barrier passed while the leader was not ready");
        return;
      }
    }
  }

  @Test
  void theFirstWriteAfterStartSucceeds() throws Exception {
    for (int i = 0; i < 3; i++) {
      try (Member m = new Member(dir.resolve("write-" + i))) {
        m.raft.awaitReady(30_000);
        Object put = m.raft.propose(InternalRequest.newBuilder().setPut(PutRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v")))).get(10, TimeUnit.SECONDS);
        assertEquals(2, assertInstanceOf(PutResponse.class, put).getHeader().getRevision());
      }
    }
  }

  /** A one-member group on a fresh data directory and a free loopback peer port. */
  private static final class Member implements AutoCloseable {
    final RocksBackend backend;
    final KvStore kv;
    final RaftNode raft;
    final PeerClient peers;

    Member(Path data) throws Exception {
      String peer = "http://127.0.0.1:" + LoopbackPorts.next();
      ServerConfig cfg = ((Flags.Serve) Flags.parse(new String[] {"--name", "m", "--data-dir", data.toString(),
          "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "m=" + peer},
          Map.of())).config();
      backend = RocksBackend.open(data.resolve("member").resolve("db"));
      Lessor lessor = Lessor.open(backend, System::nanoTime, 1, Duration.ZERO);
      kv = KvStore.open(backend, lessor);
      peers = new PeerClient();
      Bootstrap.Plan plan = Bootstrap.plan(cfg, peers, id -> RaftNode.storageExists(data, id));
      raft = RaftNode.start(cfg, plan, backend, kv, new Applier(kv, lessor, Alarms.load(backend), AuthStore.load(backend, new SimpleTokens(java.time.Duration.ofMinutes(5)))), Membership.load(backend, 1),
          new PeerService(), peers);
    }

    @Override
    public void close() throws IOException {
      raft.close();
      kv.close();
      backend.close();
      peers.close();
    }
  }
}
