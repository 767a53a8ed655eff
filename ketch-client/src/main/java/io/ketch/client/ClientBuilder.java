package io.ketch.client;

import com.google.protobuf.ByteString;
import io.ketch.client.impl.Settings;
import java.io.File;
import java.time.Duration;
import java.util.List;

/** Builds a {@link Client}; every setter returns this builder. Not thread-safe. */
public final class ClientBuilder {
  private final Settings s = new Settings();

  ClientBuilder() {}

  /**
   * The cluster's client endpoints, {@code host:port} or {@code http(s)://host:port}. Calls are
   * balanced round-robin over the reachable ones; an {@code https} endpoint turns TLS on.
   */
  public ClientBuilder endpoints(String... endpoints) {
    if (endpoints.length == 0) {
      throw new IllegalArgumentException("at least one endpoint is needed");
    }
    s.endpoints = List.of(endpoints);
    return this;
  }

  /** Turns TLS on, trusting the JVM's default CAs unless {@link #caFile} is given. */
  public ClientBuilder tls() {
    s.tls = true;
    return this;
  }

  /** Turns TLS on, trusting the CAs in this PEM file. */
  public ClientBuilder caFile(File ca) {
    s.caFile = ca;
    return this;
  }

  /** Turns TLS on and presents this client certificate chain and key (PEM) to the server. */
  public ClientBuilder clientCertificate(File cert, File key) {
    s.certFile = cert;
    s.keyFile = key;
    return this;
  }

  /**
   * Authenticates as this user: a token is fetched before the first call and fetched again
   * whenever the server answers {@code etcdserver: invalid auth token}; the failed call is then
   * repeated once (the server rejected it before doing anything).
   */
  public ClientBuilder credentials(String user, String password) {
    s.user = user;
    s.password = password;
    return this;
  }

  /** The deadline of each unary call (default 10 s; null: none). Lock and campaign calls wait without one. */
  public ClientBuilder requestTimeout(Duration timeout) {
    s.requestTimeout = timeout;
    return this;
  }

  /** HTTP/2 keepalive pings: every {@code time} while calls are open, failing after {@code timeout}. */
  public ClientBuilder keepAlive(Duration time, Duration timeout) {
    s.keepAliveTime = time;
    s.keepAliveTimeout = timeout;
    return this;
  }

  /** The largest response accepted (default 64 MiB). */
  public ClientBuilder maxInboundMessageSize(int bytes) {
    s.maxInboundMessageSize = bytes;
    return this;
  }

  /** The largest request sent (default 2 MiB; etcd's server limit is 1.5 MiB by default). */
  public ClientBuilder maxOutboundMessageSize(int bytes) {
    s.maxOutboundMessageSize = bytes;
    return this;
  }

  /**
   * Puts every key of this client under {@code prefix}: requests are prefixed and responses
   * stripped, as clientv3's {@code namespace} package (KV, Watch, lease keys, Lock, Election).
   */
  public ClientBuilder namespace(ByteString prefix) {
    s.namespace = prefix;
    return this;
  }

  /** Refuses calls (with {@code no leader}) when the member reached has no leader, as clientv3's {@code WithRequireLeader}. */
  public ClientBuilder requireLeader(boolean requireLeader) {
    s.requireLeader = requireLeader;
    return this;
  }

  /** The client; nothing is dialled until the first call. */
  public Client build() {
    return new Client(s);
  }
}
