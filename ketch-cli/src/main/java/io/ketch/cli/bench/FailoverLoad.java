package io.ketch.cli.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.StatusResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One leader-failover trial ({@code ketch-bench failover}) against a running cluster whose members
 * are {@code --endpoints}, with their server processes' pids in {@code --pids} (same order).
 *
 * <ol>
 *   <li>Finds the leader: every member answers Maintenance Status and names the same leader, and one
 *       of them is that leader (its header's member_id).
 *   <li>Writes through a surviving member ({@code --writer}, or the first endpoint that does not
 *       lead) for a second, one put at a time, so the path is known to work and the tool is warm.
 *   <li>At t0 sends SIGKILL to the leader's process, then puts one at a time through the writer,
 *       each with a deadline of {@code --put-timeout} ms; a put that fails or times out is retried
 *       after 10 ms (no spinning on an immediate error while the survivors elect).
 *   <li>Reports {@code failover_ms}: t0 to the acknowledgement of the first put sent after t0. A put
 *       lost with the leader (etcd does not re-propose a forwarded proposal) costs up to one
 *       deadline, which bounds the figure's resolution. Meanwhile a {@link LeaderProbe} polls the
 *       survivors: {@code leader_seen_ms} is t0 to the first Status naming a new leader.
 * </ol>
 *
 * <p>Prints one line to stdout: {@code failover_ms=… leader_seen_ms=…|? killed=ENDPOINT
 * killed_id=HEX writer=ENDPOINT new_leader=ENDPOINT|? failed_puts=N errors=CODE:N,…}. Fails (false)
 * with a message on stderr when no leader is found within 30 s, the leader's process cannot be
 * killed, or no put succeeds within 60 s of the kill.
 */
final class FailoverLoad {
  private static final long LEADER_WAIT_MILLIS = 30_000;
  private static final long PRE_KILL_MILLIS = 1_000;
  private static final long RECOVERY_LIMIT_MILLIS = 60_000;
  private static final long RETRY_PAUSE_MILLIS = 10;
  private static final ByteString KEY = ByteString.copyFromUtf8("failover");

  private final BenchOptions o;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ByteString value;

  FailoverLoad(BenchOptions o) {
    this.o = o;
    for (String e : o.endpoints()) {
      channels.add(NettyChannelBuilder.forTarget(e).usePlaintext().build());
    }
    byte[] v = new byte[o.valSize()];
    ThreadLocalRandom.current().nextBytes(v);
    this.value = ByteString.copyFrom(v);
  }

  boolean run() throws InterruptedException {
    try {
      return trial();
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  private boolean trial() throws InterruptedException {
    int leader = awaitLeader();
    if (leader < 0) {
      System.err.printf("ketch-bench: no leader agreed on by all of %s within %d s%n", o.endpoints(),
          LEADER_WAIT_MILLIS / 1000);
      return false;
    }
    long leaderId = status(leader).map(s -> s.getHeader().getMemberId()).orElse(0L);
    int writer = writer(leader);
    if (writer < 0) {
      System.err.printf("ketch-bench: --writer=%s is the leader, the member to be killed%n", o.writer());
      return false;
    }
    long pid = o.pids().get(leader);
    Optional<ProcessHandle> victim = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (victim.isEmpty()) {
      System.err.printf("ketch-bench: the leader %s's pid %d is not running%n", o.endpoints().get(leader), pid);
      return false;
    }
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channels.get(writer));
    if (!writeBeforeKill(kv)) {
      System.err.printf("ketch-bench: no put through %s succeeded before the kill%n", o.endpoints().get(writer));
      return false;
    }
    List<ManagedChannel> survivors = new ArrayList<>(channels);
    survivors.remove(leader);
    long t0 = System.nanoTime();
    if (!victim.get().destroyForcibly()) {
      System.err.printf("ketch-bench: could not kill pid %d (the leader %s)%n", pid, o.endpoints().get(leader));
      return false;
    }
    try (LeaderProbe probe = new LeaderProbe(survivors, leaderId)) {
      return recover(kv, t0, leader, leaderId, writer, probe);
    }
  }

  /** Puts through the writer from t0 until one is acknowledged; reports the failover. */
  private boolean recover(KVGrpc.KVBlockingStub kv, long t0, int leader, long leaderId, int writer, LeaderProbe probe)
      throws InterruptedException {
    Map<String, Integer> errors = new TreeMap<>();
    int failed = 0;
    long acked = -1;
    while (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(RECOVERY_LIMIT_MILLIS)) {
      try {
        put(kv);
        acked = System.nanoTime();
        break;
      } catch (StatusRuntimeException e) {
        failed++;
        errors.merge(e.getStatus().getCode().name(), 1, Integer::sum);
        Thread.sleep(RETRY_PAUSE_MILLIS);
      }
    }
    if (acked < 0) {
      System.err.printf("ketch-bench: no put through %s succeeded within %d s of killing the leader %s; errors: %s%n",
          o.endpoints().get(writer), RECOVERY_LIMIT_MILLIS / 1000, o.endpoints().get(leader), summary(errors));
      return false;
    }
    long seen = probe.seenAt();
    System.out.printf("failover_ms=%d leader_seen_ms=%s killed=%s killed_id=%x writer=%s new_leader=%s failed_puts=%d"
            + " errors=%s%n", TimeUnit.NANOSECONDS.toMillis(acked - t0),
        seen == 0 ? "?" : Long.toString(TimeUnit.NANOSECONDS.toMillis(seen - t0)), o.endpoints().get(leader), leaderId,
        o.endpoints().get(writer), newLeader(leader), failed, summary(errors));
    return true;
  }

  /** Puts for {@link #PRE_KILL_MILLIS}; true once that time is up and the last put succeeded. */
  private boolean writeBeforeKill(KVGrpc.KVBlockingStub kv) throws InterruptedException {
    long start = System.nanoTime();
    while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS)) {
      try {
        put(kv);
        if (System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(PRE_KILL_MILLIS)) {
          return true;
        }
      } catch (StatusRuntimeException e) {
        Thread.sleep(RETRY_PAUSE_MILLIS);
      }
    }
    return false;
  }

  private void put(KVGrpc.KVBlockingStub kv) {
    kv.withDeadlineAfter(o.putTimeoutMillis(), TimeUnit.MILLISECONDS)
        .put(PutRequest.newBuilder().setKey(KEY).setValue(value).build());
  }

  /**
   * The index of the member every member names as leader, once all agree and that member is among
   * them; -1 after {@link #LEADER_WAIT_MILLIS}.
   */
  private int awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS);
    while (System.nanoTime() < deadline) {
      long leader = 0;
      int index = -1;
      boolean agreed = true;
      for (int i = 0; i < channels.size() && agreed; i++) {
        Optional<StatusResponse> s = status(i);
        if (s.isEmpty() || s.get().getLeader() == 0 || (leader != 0 && s.get().getLeader() != leader)) {
          agreed = false;
          continue;
        }
        leader = s.get().getLeader();
        if (s.get().getHeader().getMemberId() == leader) {
          index = i;
        }
      }
      if (agreed && index >= 0) {
        return index;
      }
      Thread.sleep(100);
    }
    return -1;
  }

  /** The writer's index: --writer's, or the first endpoint that does not lead; -1 if --writer leads. */
  private int writer(int leader) {
    if (o.writer() != null) {
      int i = o.endpoints().indexOf(o.writer());
      return i == leader ? -1 : i;
    }
    return leader == 0 ? 1 : 0;
  }

  /** The endpoint of the member the survivors name as leader after the failover, or "?". */
  private String newLeader(int killed) {
    Map<Long, Integer> byId = new HashMap<>();
    long leader = 0;
    for (int i = 0; i < channels.size(); i++) {
      Optional<StatusResponse> s = i == killed ? Optional.empty() : status(i);
      if (s.isPresent()) {
        byId.put(s.get().getHeader().getMemberId(), i);
        leader = leader == 0 ? s.get().getLeader() : leader;
      }
    }
    Integer i = byId.get(leader);
    return i == null ? "?" : o.endpoints().get(i);
  }

  private Optional<StatusResponse> status(int i) {
    return LeaderProbe.status(channels.get(i));
  }

  private static String summary(Map<String, Integer> errors) {
    return errors.isEmpty() ? "-" : errors.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
        .collect(Collectors.joining(","));
  }
}
