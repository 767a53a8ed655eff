package io.ketch.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Certificates made for a test with openssl, in one directory: a CA ({@code <ca>.crt/.key}), and
 * server or client certificates signed by it, and CRLs. Files are named after what they are.
 */
public final class TestCerts {
  private final Path dir;

  public TestCerts(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path file(String name) {
    return dir.resolve(name);
  }

  /** A self-signed CA: {@code <name>.crt} and {@code <name>.key}. */
  public TestCerts ca(String name) throws Exception {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".crt",
        "-days", "1", "-subj", "/CN=" + name);
    return this;
  }

  /** A server certificate for 127.0.0.1 signed by {@code ca}. */
  public TestCerts server(String name, String ca) throws Exception {
    return signed(name, "127.0.0.1", ca, "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth");
  }

  /** A member's certificate (server and client use) with common name {@code cn}, for 127.0.0.1 and m1..m5. */
  public TestCerts peer(String name, String cn, String ca) throws Exception {
    return signed(name, cn, ca, "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:m1,DNS:m2,DNS:m3,DNS:m4,DNS:m5\n"
        + "extendedKeyUsage=serverAuth,clientAuth");
  }

  /** A client certificate with common name {@code cn} signed by {@code ca}. */
  public TestCerts client(String name, String cn, String ca) throws Exception {
    return signed(name, cn, ca, "extendedKeyUsage=clientAuth");
  }

  /** A client certificate with common name {@code cn} signed by {@code ca} that expired a day ago. */
  public TestCerts expiredClient(String name, String cn, String ca) throws Exception {
    return signed(name, cn, ca, "extendedKeyUsage=clientAuth", -1);
  }

  /** {@code ca}'s CRL revoking the certificates named, as {@code <ca>.crl}. */
  public TestCerts crl(String ca, String... revoked) throws Exception {
    Files.writeString(dir.resolve(ca + ".cnf"), String.join("\n", "[ ca ]", "default_ca = own", "[ own ]",
        "database = " + ca + ".index", "crlnumber = " + ca + ".crlnumber", "default_md = sha256",
        "default_crl_days = 1", "certificate = " + ca + ".crt", "private_key = " + ca + ".key") + "\n");
    Files.writeString(dir.resolve(ca + ".index"), "");
    Files.writeString(dir.resolve(ca + ".crlnumber"), "01\n");
    for (String r : revoked) {
      openssl("ca", "-config", ca + ".cnf", "-revoke", r + ".crt");
    }
    openssl("ca", "-config", ca + ".cnf", "-gencrl", "-out", ca + ".crl");
    return this;
  }

  private TestCerts signed(String name, String cn, String ca, String extensions) throws Exception {
    return signed(name, cn, ca, extensions, 1);
  }

  /** Valid from now for {@code days}; a negative number: expired that many days ago. */
  private TestCerts signed(String name, String cn, String ca, String extensions, int days) throws Exception {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn);
    Files.writeString(dir.resolve(name + ".ext"), extensions + "\n");
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
        "-out", name + ".crt", "-days", Integer.toString(days), "-extfile", name + ".ext");
    return this;
  }

  /** The certificate in a PEM or DER file. */
  public static X509Certificate read(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  /**
   * The certificate a TLS server at {@code host:port} presents on a new connection, trusted
   * without a check (and whether or not the handshake then goes on: the server may want ours).
   */
  public static X509Certificate served(String address) throws Exception {
    AtomicReference<X509Certificate> seen = new AtomicReference<>();
    TrustManager capture = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        seen.set(chain[0]);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {capture}, null);
    String[] hp = address.split(":");
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(hp[0], Integer.parseInt(hp[1]))) {
      s.setSoTimeout(5000);
      try {
        s.startHandshake();
      } catch (IOException refusedWithoutClientCertificate) {
        // the server certificate was seen before the server asked for ours
      }
    }
    if (seen.get() == null) {
      throw new IllegalStateException(address + " presented no certificate");
    }
    return seen.get();
  }

  private void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("openssl.log").toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: "
          + Files.readString(dir.resolve("openssl.log")));
    }
  }
}
