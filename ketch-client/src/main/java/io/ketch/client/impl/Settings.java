package io.ketch.client.impl;

import com.google.protobuf.ByteString;
import java.io.File;
import java.time.Duration;
import java.util.List;

/** Everything a {@link Connection} is made from; filled in by the public client builder. */
public final class Settings {
  /** Endpoints, {@code host:port} or URLs. */
  public List<String> endpoints = List.of("127.0.0.1:2379");
  /** CA certificates (PEM) to trust, or null. */
  public File caFile;
  /** Client certificate chain (PEM), or null. */
  public File certFile;
  /** Client private key (PKCS#8 PEM), or null. */
  public File keyFile;
  /** Whether TLS is wanted even without files. */
  public boolean tls;
  /** User to authenticate as, or null. */
  public String user;
  /** That user's password. */
  public String password;
  /** Deadline of unary calls, or null for none. */
  public Duration requestTimeout = Duration.ofSeconds(10);
  /** HTTP/2 keepalive ping interval. */
  public Duration keepAliveTime = Duration.ofSeconds(30);
  /** How long a ping may go unanswered. */
  public Duration keepAliveTimeout = Duration.ofSeconds(10);
  /** Largest response accepted. */
  public int maxInboundMessageSize = 64 << 20;
  /** Largest request sent. */
  public int maxOutboundMessageSize = 2 << 20;
  /** Key prefix of the client's namespace. */
  public ByteString namespace = ByteString.EMPTY;
  /** Whether calls require the member to have a leader. */
  public boolean requireLeader;
}
