package io.ketch.server.config;

import java.nio.file.Path;
import java.util.List;

/**
 * TLS on the client port, from etcd's flags: {@code --cert-file}, {@code --key-file},
 * {@code --trusted-ca-file}, {@code --client-cert-auth}, {@code --client-crl-file},
 * {@code --cipher-suites}, {@code --tls-min-version}, {@code --tls-max-version}.
 *
 * @param certFile the server certificate chain (PEM); null: no TLS
 * @param keyFile its private key (PEM, PKCS#8 or PKCS#1 RSA)
 * @param trustedCaFile the CAs client certificates are checked against (PEM); null: none
 * @param clientCertAuth whether a client must present a certificate signed by those CAs (its CN is
 *     then the user when auth is on and the call has no token, as etcd)
 * @param crlFile revoked client certificates (PEM or DER CRL); null: none
 * @param cipherSuites the TLS 1.2 cipher suites allowed (IANA names, as Go's); empty: the defaults
 * @param protocols the TLS versions allowed, in Java's names (TLSv1.2, TLSv1.3)
 */
public record ClientTls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth, Path crlFile,
    List<String> cipherSuites, List<String> protocols) {

  /** Whether the client port serves TLS. */
  public boolean enabled() {
    return certFile != null;
  }
}
