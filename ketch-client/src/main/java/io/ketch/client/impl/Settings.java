package io.ketch.client.impl;

import com.google.protobuf.ByteString;
import java.io.File;
import java.time.Duration;
import java.util.List;

/** Everything a {@link Connection} is made from; filled in by the public client builder. */
public final class Settings {
  public List<String> endpoints = List.of("127.0.0.1:2379");
  public File caFile;
  public File certFile;
  public File keyFile;
  public boolean tls;
  public String user;
  public String password;
  public Duration requestTimeout = Duration.ofSeconds(10);
  public Duration keepAliveTime = Duration.ofSeconds(30);
  public Duration keepAliveTimeout = Duration.ofSeconds(10);
  public int maxInboundMessageSize = 64 << 20;
  public int maxOutboundMessageSize = 2 << 20;
  public ByteString namespace = ByteString.EMPTY;
  public boolean requireLeader;
}
