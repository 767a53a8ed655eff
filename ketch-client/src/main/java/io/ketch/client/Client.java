package io.ketch.client;

import io.ketch.client.impl.AuthImpl;
import io.ketch.client.impl.ClusterImpl;
import io.ketch.client.impl.Connection;
import io.ketch.client.impl.ElectionImpl;
import io.ketch.client.impl.KvImpl;
import io.ketch.client.impl.LeaseImpl;
import io.ketch.client.impl.LockImpl;
import io.ketch.client.impl.MaintenanceImpl;
import io.ketch.client.impl.Settings;
import io.ketch.client.impl.WatchImpl;

/**
 * A client of an etcd v3 cluster (Ketch or etcd), shaped after etcd's Go clientv3: one object per
 * service, all sharing one connection to the endpoints. Thread-safe; make one per application and
 * close it when done (open watches end with {@code onCompleted}, kept-alive leases stop being
 * renewed, pending futures fail).
 *
 * <pre>{@code
 * try (Client client = Client.builder().endpoints("http://127.0.0.1:2379").build()) {
 *   client.kv().put(key, value).join();
 * }
 * }</pre>
 */
public final class Client implements AutoCloseable {
  private final Connection conn;
  private final KV kv;
  private final Lease lease;
  private final WatchImpl watch;
  private final Cluster cluster;
  private final Maintenance maintenance;
  private final Auth auth;
  private final Lock lock;
  private final Election election;

  Client(Settings settings) {
    conn = new Connection(settings);
    kv = new KvImpl(conn, settings.requestTimeout);
    lease = new LeaseImpl(conn, settings.requestTimeout);
    watch = new WatchImpl(conn);
    cluster = new ClusterImpl(conn);
    maintenance = new MaintenanceImpl(conn);
    auth = new AuthImpl(conn);
    lock = new LockImpl(conn, null);
    election = new ElectionImpl(conn, null);
  }

  /** A builder with etcd's default endpoint, {@code 127.0.0.1:2379}. */
  public static ClientBuilder builder() {
    return new ClientBuilder();
  }

  /** The KV service. */
  public KV kv() {
    return kv;
  }

  /** The Lease service. */
  public Lease lease() {
    return lease;
  }

  /** The Watch service. */
  public Watch watch() {
    return watch;
  }

  /** The Cluster service. */
  public Cluster cluster() {
    return cluster;
  }

  /** The Maintenance service. */
  public Maintenance maintenance() {
    return maintenance;
  }

  /** The Auth service. */
  public Auth auth() {
    return auth;
  }

  /** The Lock service (waits without deadline by default). */
  public Lock lock() {
    return lock;
  }

  /** The Election service (campaigns wait without deadline by default). */
  public Election election() {
    return election;
  }

  @Override
  public void close() {
    watch.close();
    conn.close();
  }
}
