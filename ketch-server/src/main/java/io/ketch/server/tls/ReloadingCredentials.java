package io.ketch.server.tls;

import io.ketch.server.config.TlsConfig;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client port's certificate, key, trusted CAs and CRL, read again when any of the files changes
 * (checked at most once a second, on a handshake): a renewed certificate is served, and a newly
 * revoked one refused, without a restart. A change that does not load (a half-written file) keeps
 * the previous credentials and is logged; the next check tries again.
 */
public final class ReloadingCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingCredentials.class);
  private static final long CHECK_EVERY_NANOS = 1_000_000_000L;

  private record Loaded(List<Object> stamps, X509ExtendedKeyManager keys, X509ExtendedTrustManager trust) {}

  private final TlsConfig tls;
  private volatile Loaded loaded;
  private volatile long checkedAt = System.nanoTime();

  /** Loads the files now; fails if they do not load. */
  public ReloadingCredentials(TlsConfig tls) throws IOException, GeneralSecurityException {
    this.tls = tls;
    this.loaded = load(stamps());
  }

  /** The key manager handshakes use: always the current certificate and key. */
  public X509ExtendedKeyManager keyManager() {
    return new X509ExtendedKeyManager() {
      @Override
      public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return current().keys().chooseEngineServerAlias(keyType, issuers, engine);
      }

      @Override
      public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return current().keys().chooseEngineClientAlias(keyType, issuers, engine);
      }

      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return current().keys().getClientAliases(keyType, issuers);
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return current().keys().chooseClientAlias(keyType, issuers, socket);
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return current().keys().getServerAliases(keyType, issuers);
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return current().keys().chooseServerAlias(keyType, issuers, socket);
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return loaded.keys().getCertificateChain(alias);
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return loaded.keys().getPrivateKey(alias);
      }
    };
  }

  /** The trust manager client certificates are checked with (null without trusted CAs). */
  public X509ExtendedTrustManager trustManager() {
    if (tls.trustedCaFile() == null) {
      return null;
    }
    return new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        current().trust().checkClientTrusted(chain, authType, socket);
        checkAllowed(chain);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        current().trust().checkServerTrusted(chain, authType, socket);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        current().trust().checkClientTrusted(chain, authType, engine);
        checkAllowed(chain);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        // the chain, not the host name: members dial ketch-peer://<cluster>/<member> targets, whose
        // authority is no host name; a peer is who the trusted CA (and the allowed CN) says
        current().trust().checkServerTrusted(chain, authType);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current().trust().checkClientTrusted(chain, authType);
        checkAllowed(chain);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current().trust().checkServerTrusted(chain, authType);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return loaded.trust().getAcceptedIssuers();
      }
    };
  }

  /**
   * etcd's {@code --peer-cert-allowed-cn} / {@code --peer-cert-allowed-hostname}: a client
   * certificate must have that common name, or be valid for that host name (its SANs).
   */
  private void checkAllowed(X509Certificate[] chain) throws CertificateException {
    X509Certificate leaf = chain[0];
    if (!tls.allowedCn().isEmpty()) {
      String cn = "";
      try {
        for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(leaf.getSubjectX500Principal().getName())
            .getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            cn = rdn.getValue().toString();
          }
        }
      } catch (javax.naming.InvalidNameException e) {
        throw new CertificateException("unreadable certificate subject", e);
      }
      if (!cn.equals(tls.allowedCn())) {
        throw new CertificateException("CommonName authentication failed: " + cn + " is not " + tls.allowedCn());
      }
    }
    if (!tls.allowedHostname().isEmpty()) {
      java.util.Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      boolean found = false;
      if (sans != null) {
        for (List<?> san : sans) {
          found |= tls.allowedHostname().equalsIgnoreCase(String.valueOf(san.get(1)));
        }
      }
      if (!found) {
        throw new CertificateException("certificate is not valid for host " + tls.allowedHostname());
      }
    }
  }

  /** The credentials, read again first if a second has passed and a file changed since. */
  private Loaded current() {
    long now = System.nanoTime();
    if (now - checkedAt < CHECK_EVERY_NANOS) {
      return loaded;
    }
    synchronized (this) {
      if (now - checkedAt >= CHECK_EVERY_NANOS) {
        checkedAt = now;
        List<Object> stamps = stamps();
        if (!stamps.equals(loaded.stamps())) {
          try {
            loaded = load(stamps);
            LOG.info("event=tls-credentials-reloaded cert={}", tls.certFile());
          } catch (IOException | GeneralSecurityException | RuntimeException e) {
            LOG.warn("event=tls-credentials-reload-failed detail=\"{}\": serving the previous ones", e.toString());
          }
        }
      }
      return loaded;
    }
  }

  /** Each file's modification time and size (what a replaced file changes). */
  private List<Object> stamps() {
    List<Object> out = new ArrayList<>();
    for (Path p : java.util.Arrays.asList(tls.certFile(), tls.keyFile(), tls.trustedCaFile(), tls.crlFile())) {
      try {
        out.add(p == null ? "-" : Files.getLastModifiedTime(p).toMillis() + "/" + Files.size(p));
      } catch (IOException e) {
        out.add("missing");
      }
    }
    return out;
  }

  private Loaded load(List<Object> stamps) throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = PemFiles.certificates(tls.certFile());
    PrivateKey key = PemFiles.privateKey(tls.keyFile());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    char[] none = new char[0];
    ks.setKeyEntry("server", key, none, chain.toArray(new X509Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, none);
    X509ExtendedKeyManager keys = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
    X509ExtendedTrustManager trust = null;
    if (tls.trustedCaFile() != null) {
      KeyStore cas = KeyStore.getInstance("PKCS12");
      cas.load(null, null);
      int i = 0;
      for (X509Certificate ca : PemFiles.certificates(tls.trustedCaFile())) {
        cas.setCertificateEntry("ca-" + i++, ca);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      if (tls.crlFile() != null) {
        PKIXBuilderParameters params = new PKIXBuilderParameters(cas, new X509CertSelector());
        params.addCertStore(CertStore.getInstance("Collection",
            new CollectionCertStoreParameters(PemFiles.crls(tls.crlFile()))));
        params.setRevocationEnabled(true);
        tmf.init(new CertPathTrustManagerParameters(params));
      } else {
        tmf.init(cas);
      }
      trust = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
    }
    return new Loaded(stamps, Objects.requireNonNull(keys), trust);
  }
}
