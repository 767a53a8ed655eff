package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.AlarmMember;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmType;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.server.storage.RocksBackend;
import io.ketch.server.storage.Schema;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * etcd's corruption checks (issue: snapshots, item 5): bytes of one stored value are flipped in a
 * stopped follower's database. Started with {@code --experimental-initial-corrupt-check} it refuses
 * to start with etcd's message; started without, the leader's periodic check ({@code
 * --experimental-corrupt-check-time}) raises a CORRUPT alarm for it, after which writes fail with
 * {@code etcdserver: corrupt cluster} while reads go on, as in etcd.
 */
class ClusterCorruptionTest {
  private static final String[] FLAGS = {"--election-timeout", "500", "--heartbeat-interval", "50",
      "--experimental-corrupt-check-time", "1s"};

  @Test
  void aFollowerWithFlippedBytesIsRefusedAtStartAndAlarmedWhileRunning() throws Exception {
    try (KetchCluster cluster = KetchCluster.start(3, 3, FLAGS)) {
      cluster.awaitConverged(60_000);
      int leader = cluster.awaitLeader(30_000);
      int victim = leader == 1 ? 2 : 1;
      long victimId = cluster.memberId(victim);
      ManagedChannel ch = cluster.member(leader).channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        for (int i = 0; i < 100; i++) {
          kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
              .setKey(RegisterWorkload.bs("c/" + i)).setValue(RegisterWorkload.bs("value-" + i)).build());
        }
        cluster.awaitConverged(30_000);
        cluster.member(victim).terminate();
        flipAValueByte(cluster.member(victim));

        MemberProcess refused = cluster.restarted(victim, "--experimental-initial-corrupt-check=true");
        refused.start();
        assertNotEquals(0, refused.await(60), "a member whose data differs must not start");
        String log = Files.readString(refused.log());
        assertTrue(log.contains(io.ketch.server.cluster.MemberIds.hex(victimId) + " found data inconsistency with peers"),
            log.substring(Math.max(0, log.length() - 3000)));

        MemberProcess running = cluster.restarted(victim);
        running.start();
        running.awaitServing(60_000);
        AlarmMember corrupt = AlarmMember.newBuilder().setMemberID(victimId).setAlarm(AlarmType.CORRUPT).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!alarms(ch).contains(corrupt)) {
          assertTrue(System.nanoTime() < deadline, "no CORRUPT alarm for the victim; alarms: " + alarms(ch)
              + "\n" + cluster.logTail(leader, 20));
          KetchCluster.sleep(100);
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
            () -> kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                .setKey(RegisterWorkload.bs("c/after")).setValue(RegisterWorkload.bs("x")).build()));
        assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode());
        assertEquals("etcdserver: corrupt cluster", e.getStatus().getDescription());
        assertEquals(100, kv.withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder()
            .setKey(RegisterWorkload.bs("c/")).setRangeEnd(RegisterWorkload.bs("c0")).build()).getCount(),
            "reads go on");
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /** Flips the last byte of the newest stored revision's value: same size, another value. */
  private static void flipAValueByte(MemberProcess m) {
    try (RocksBackend db = RocksBackend.open(m.dataDir().resolve("member").resolve("db"))) {
      byte[][] last = new byte[2][];
      db.scan(Schema.KEY, null, null, (k, v) -> {
        last[0] = k;
        last[1] = v;
        return true;
      });
      byte[] damaged = last[1].clone();
      damaged[damaged.length - 1] ^= 0x01;
      try (var batch = db.newBatch()) {
        batch.put(Schema.KEY, last[0], damaged);
        db.commit(batch);
      }
    }
  }

  private static List<AlarmMember> alarms(ManagedChannel ch) {
    return MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
        .alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build()).getAlarmsList();
  }
}
