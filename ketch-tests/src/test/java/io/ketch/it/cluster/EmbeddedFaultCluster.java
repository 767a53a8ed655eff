package io.ketch.it.cluster;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import io.ketch.api.etcdserverpb.StatusRequest;
import io.ketch.api.etcdserverpb.StatusResponse;
import io.ketch.embed.EmbeddedKetch;
import io.ketch.embed.EmbeddedKetchException;
import io.ketch.embed.EmbeddedMember;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of members embedded in the test's JVM (ketch-embed), driven through the same
 * {@link FaultableCluster} operations as the process cluster: kill is an abrupt halt, terminate a
 * clean stop, pause holds client calls and drops peer traffic, a partition refuses Raft messages
 * between the groups ({@code drop} or not: the embedded cluster has one way).
 */
final class EmbeddedFaultCluster implements FaultableCluster {
  private final EmbeddedKetch ketch;
  private final Map<Integer, ManagedChannel> channels = new HashMap<>();
  private final Set<Integer> paused = new HashSet<>();

  private EmbeddedFaultCluster(EmbeddedKetch ketch) {
    this.ketch = ketch;
  }

  static EmbeddedFaultCluster start(int members, String... flags) {
    try {
      return new EmbeddedFaultCluster(EmbeddedKetch.builder().members(members).config(flags).start());
    } catch (EmbeddedKetchException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private EmbeddedMember m(int m) {
    return ketch.member(m - 1);
  }

  @Override
  public int size() {
    return ketch.size();
  }

  @Override
  public String memberName(int m) {
    return m(m).name();
  }

  @Override
  public String address(int m) {
    return m(m).endpoint();
  }

  @Override
  public ManagedChannel newChannel(int m) {
    return NettyChannelBuilder.forTarget(address(m)).usePlaintext().build();
  }

  @Override
  public synchronized boolean isRunning(int m) {
    return m(m).isRunning() && !paused.contains(m);
  }

  @Override
  public void kill(int m) {
    m(m).kill();
  }

  @Override
  public void start(int m) {
    try {
      m(m).restart();
    } catch (EmbeddedKetchException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  @Override
  public void terminate(int m) {
    m(m).stop();
  }

  @Override
  public synchronized void pause(int m) {
    m(m).pause();
    paused.add(m);
  }

  @Override
  public synchronized void resume(int m) {
    m(m).resume();
    paused.remove(m);
  }

  @Override
  public void partition(boolean drop, List<Set<Integer>> groups) {
    @SuppressWarnings("unchecked")
    Set<Integer>[] zeroBased = new Set[groups.size()];
    for (int g = 0; g < groups.size(); g++) {
      Set<Integer> s = new HashSet<>();
      for (int m : groups.get(g)) {
        s.add(m - 1);
      }
      zeroBased[g] = s;
    }
    ketch.partition(zeroBased);
  }

  @Override
  public void heal() {
    ketch.heal();
  }

  @Override
  public synchronized StatusResponse status(int m) {
    if (!m(m).isRunning() || paused.contains(m)) {
      return null; // as a killed or stopped process answers nothing
    }
    ManagedChannel ch = channels.computeIfAbsent(m, this::newChannel);
    try {
      return MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(1, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public synchronized void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    ketch.close();
  }
}
