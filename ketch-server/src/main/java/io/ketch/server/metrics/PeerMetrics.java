package io.ketch.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcd's peer network metrics as far as Ketch has their quantities, fed by the {@link PeerProber}:
 * {@code etcd_network_peer_round_trip_time_seconds{To}}, {@code etcd_network_active_peers{Local,Remote}},
 * {@code etcd_network_disconnected_peers_total{Local,Remote}} and
 * {@code etcd_network_peer_sent_failures_total{To}} (probes that failed). Member IDs are written as
 * etcd writes them: lower-case hex.
 *
 * <p>Not exposed: etcd's peer byte counters. Most peer bytes are Raft replication on Ratis's own gRPC
 * channels, which offer no per-peer hook (Ratis 3.3 customizes its server, not its clients), so a
 * count would leave out most of the traffic.
 */
public final class PeerMetrics {
  private final String local;
  private final Histogram roundTrips;
  private final Counter disconnects;
  private final Counter sendFailures;
  /** Per remote member: whether its last probe answered. */
  private final Map<String, Boolean> active = new ConcurrentHashMap<>();

  PeerMetrics(long localId, PrometheusRegistry registry) {
    this.local = Long.toHexString(localId);
    roundTrips = Histogram.builder().name("etcd_network_peer_round_trip_time_seconds")
        .help("Round-Trip-Time histogram between peers").labelNames("To").classicOnly()
        .classicExponentialUpperBounds(0.0001, 2, 16).register(registry);
    disconnects = Counter.builder().name("etcd_network_disconnected_peers_total")
        .help("The total number of disconnected peers.").labelNames("Local", "Remote").register(registry);
    sendFailures = Counter.builder().name("etcd_network_peer_sent_failures_total")
        .help("The total number of send failures from peers.").labelNames("To").register(registry);
    GaugeWithCallback.builder().name("etcd_network_active_peers")
        .help("The current number of active peer connections.").labelNames("Local", "Remote")
        .callback(cb -> active.forEach((remote, up) -> cb.call(up ? 1 : 0, local, remote))).register(registry);
  }

  /** A probe of member {@code id} answered after {@code nanos}. */
  public void answered(long id, long nanos) {
    String remote = Long.toHexString(id);
    roundTrips.labelValues(remote).observe(nanos / 1e9);
    active.put(remote, true);
  }

  /** A probe of member {@code id} failed: a disconnection if it was active. */
  public void failed(long id) {
    String remote = Long.toHexString(id);
    sendFailures.labelValues(remote).inc();
    Boolean was = active.put(remote, false);
    if (was != null && was) {
      disconnects.labelValues(local, remote).inc();
    }
  }

  /** Member {@code id} left the cluster: no longer reported. */
  public void forget(long id) {
    active.remove(Long.toHexString(id));
  }
}
