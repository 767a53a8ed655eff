package io.ketch.server.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.ketch.server.config.TlsConfig;
import java.io.IOException;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLException;

/**
 * The client port's TLS: the JDK's TLS (it takes the reloading key and trust managers) with gRPC's
 * ALPN settings, the versions and cipher suites the flags allow, and client certificates required
 * with {@code --client-cert-auth} (asked for, not required, when CAs are trusted without it, as etcd).
 * With {@code --auto-tls}, the self-signed certificate is made first when the data directory has none.
 */
public final class ServerSsl {
  private ServerSsl() {}

  public static SslContext context(TlsConfig tls) throws IOException, GeneralSecurityException {
    if (tls.selfSigned() != null) {
      SelfSignedCertificate.ensure(tls.selfSigned());
    }
    ReloadingCredentials credentials = new ReloadingCredentials(tls);
    SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(credentials.keyManager()),
        SslProvider.JDK);
    if (credentials.trustManager() != null) {
      b.trustManager(credentials.trustManager());
      b.clientAuth(tls.clientCertAuth() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
    } else if (tls.clientCertAuth()) {
      throw new GeneralSecurityException("--client-cert-auth needs --trusted-ca-file");
    }
    // http/1.1 first: curl and browsers get etcd's JSON gateway; gRPC clients offer only h2
    b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "http/1.1", "h2"));
    b.protocols(tls.protocols());
    if (!tls.cipherSuites().isEmpty()) {
      b.ciphers(tls.cipherSuites());
    }
    try {
      return b.build();
    } catch (SSLException e) {
      throw new GeneralSecurityException("cannot set up TLS: " + e.getMessage(), e);
    }
  }
}
