package io.ketch.server.config;

import java.nio.file.Path;
import java.util.List;

/**
 * TLS on the client port or between members, from etcd's flags: {@code --cert-file},
 * {@code --key-file}, {@code --trusted-ca-file}, {@code --client-cert-auth}, {@code --client-crl-file}
 * and their {@code --peer-} counterparts, {@code --cipher-suites}, {@code --tls-min-version},
 * {@code --tls-max-version}, {@code --peer-cert-allowed-cn}, {@code --peer-cert-allowed-hostname}.
 *
 * @param certFile the server certificate chain (PEM); null: no TLS
 * @param keyFile its private key (PEM, PKCS#8 or PKCS#1 RSA)
 * @param trustedCaFile the CAs client certificates are checked against (PEM); null: none
 * @param clientCertAuth whether a client must present a certificate signed by those CAs (its CN is
 *     then the user when auth is on and the call has no token, as etcd)
 * @param crlFile revoked client certificates (PEM or DER CRL); null: none
 * @param cipherSuites the TLS 1.2 cipher suites allowed (IANA names, as Go's); empty: the defaults
 * @param protocols the TLS versions allowed, in Java's names (TLSv1.2, TLSv1.3)
 * @param allowedCn the common name a client (peer) certificate must have; empty: any
 * @param allowedHostname a host name a client (peer) certificate must be valid for; empty: any
 * @param selfSigned with {@code --auto-tls} ({@code --peer-auto-tls}): the certificate to make in
 *     {@code certFile} and {@code keyFile} at start, whose peers are not verified; null otherwise
 */
public record TlsConfig(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth, Path crlFile,
    List<String> cipherSuites, List<String> protocols, String allowedCn, String allowedHostname,
    SelfSigned selfSigned) {

  /** No TLS. */
  public static final TlsConfig NONE =
      new TlsConfig(null, null, null, false, null, List.of(), List.of(), "", "", null);

  /**
   * A self-signed certificate ({@code --auto-tls}, {@code --peer-auto-tls}) made in {@code dir} for
   * {@code hosts} (the listen URLs' hosts), valid {@code validityYears} ({@code --self-signed-cert-validity});
   * {@code clientUse}: also for the client side of a connection (between members).
   */
  public record SelfSigned(Path dir, List<String> hosts, int validityYears, boolean clientUse) {
    public Path certFile() {
      return dir.resolve("cert.pem");
    }

    public Path keyFile() {
      return dir.resolve("key.pem");
    }
  }

  /** Whether TLS is served. */
  public boolean enabled() {
    return certFile != null;
  }
}
