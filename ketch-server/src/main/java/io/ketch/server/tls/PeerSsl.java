package io.ketch.server.tls;

import io.ketch.server.config.TlsConfig;
import java.io.IOException;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContextBuilder;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslProvider;

/**
 * TLS between members ({@code --peer-*} flags): one set of reloading credentials for Ratis's gRPC
 * server and channels ({@link #ratis}) and for Ketch's peer service calls ({@link #clientContext}),
 * both on Ratis's shaded gRPC. With {@code --peer-client-cert-auth}, members present their
 * certificate to each other and a member without one signed by the peer CA cannot join. With
 * {@code --peer-auto-tls} each member makes its own self-signed certificate and accepts any other's,
 * as etcd's members do: encrypted, not authenticated.
 */
public final class PeerSsl {
  private final ReloadingCredentials credentials;
  private final X509ExtendedTrustManager trust;
  private final boolean mutual;

  public PeerSsl(TlsConfig tls) throws IOException, GeneralSecurityException {
    if (tls.selfSigned() != null) {
      SelfSignedCertificate.ensure(tls.selfSigned());
    } else if (tls.trustedCaFile() == null) {
      throw new GeneralSecurityException("TLS between members needs --peer-trusted-ca-file");
    }
    this.credentials = new ReloadingCredentials(tls);
    this.trust = tls.selfSigned() != null ? new TrustEveryCertificate() : credentials.trustManager();
    this.mutual = tls.clientCertAuth();
  }

  /** Ratis's TLS settings (its server, and its channels to the other members). */
  public GrpcTlsConfig ratis() {
    return new GrpcTlsConfig(credentials.keyManager(), trust, mutual);
  }

  /** The client side of Ketch's peer service calls. */
  public SslContext clientContext() throws SSLException {
    SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
        .trustManager(trust);
    if (mutual) {
      b.keyManager(credentials.keyManager());
    }
    return b.build();
  }
}
