package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;

/**
 * TLS on Ketch's client port with certificates the test makes (openssl): etcdctl and python-etcd3
 * over mutual TLS; refused without a client certificate, with one from another CA, with a revoked
 * one (CRL) and in plaintext; with {@code --client-cert-auth} and auth on, the certificate's CN is
 * the user (root sets auth up with no password, alice may read only what her role allows); a
 * replaced server certificate is served without a restart.
 */
class ServerTlsTest {
  @Test
  void mutualTlsWithCertificateUsersRevocationAndReload() throws Exception {
    Path dir = TestDirs.newDir("ketch-server-tls");
    TestCerts certs = new TestCerts(dir).ca("ca").server("server", "ca").client("alice", "alice", "ca")
        .client("root", "root", "ca").client("mallory", "mallory", "ca").ca("other")
        .client("stranger", "alice", "other").crl("ca", "mallory");
    try (KetchNode node = KetchNode.https("--cert-file", certs.file("server.crt").toString(),
        "--key-file", certs.file("server.key").toString(), "--trusted-ca-file", certs.file("ca.crt").toString(),
        "--client-cert-auth", "--client-crl-file", certs.file("ca.crl").toString())) {
      String url = "https://" + node.address();
      assertOk(etcdctl(certs, url, "root", "put", "/tls", "yes"));
      Etcdctl.Result got = etcdctl(certs, url, "alice", "get", "/tls");
      assertOk(got);
      assertEquals("/tls\nyes\n", got.stdout());

      for (String refused : List.of("stranger", "mallory")) {
        Etcdctl.Result r = etcdctl(certs, url, refused, "get", "/tls");
        assertNotEquals(0, r.exit(), refused + " was let in: " + r);
      }
      Etcdctl.Result noCert = Etcdctl.exec(List.of(url), "--cacert", certs.file("ca.crt").toString(),
          "--dial-timeout=2s", "--command-timeout=3s", "get", "/tls");
      assertNotEquals(0, noCert.exit(), "no client certificate: " + noCert);
      Etcdctl.Result plain = Etcdctl.exec(List.of("http://" + node.address()), "--dial-timeout=2s",
          "--command-timeout=3s", "get", "/tls");
      assertNotEquals(0, plain.exit(), "plaintext: " + plain);

      // python-etcd3 over mutual TLS
      Path script = dir.resolve("tls.py");
      Files.writeString(script, String.join("\n", "import sys, etcd3",
          "host, port = sys.argv[1].split(':')",
          "c = etcd3.client(host=host, port=int(port), ca_cert=sys.argv[2], cert_key=sys.argv[3], cert_cert=sys.argv[4])",
          "c.put('/py', 'over-tls')",
          "print(c.get('/py')[0].decode())", ""));
      Process py = new ProcessBuilder("/usr/bin/python3", script.toString(), node.address(),
          certs.file("ca.crt").toString(), certs.file("alice.key").toString(), certs.file("alice.crt").toString())
          .redirectErrorStream(true).start();
      String pyOut = new String(py.getInputStream().readAllBytes());
      assertTrue(py.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, py.exitValue(), pyOut);
      assertEquals("over-tls", pyOut.trim());

      // auth on, set up by the certificate named root (no password); alice is her certificate's CN
      assertOk(etcdctl(certs, url, "root", "user", "add", "root", "--no-password"));
      assertOk(etcdctl(certs, url, "root", "role", "add", "root"));
      assertOk(etcdctl(certs, url, "root", "user", "grant-role", "root", "root"));
      assertOk(etcdctl(certs, url, "root", "user", "add", "alice", "--no-password"));
      assertOk(etcdctl(certs, url, "root", "role", "add", "reader"));
      assertOk(etcdctl(certs, url, "root", "role", "grant-permission", "reader", "read", "/tls"));
      assertOk(etcdctl(certs, url, "root", "user", "grant-role", "alice", "reader"));
      assertOk(etcdctl(certs, url, "root", "auth", "enable"));
      assertEquals("/tls\nyes\n", etcdctl(certs, url, "alice", "get", "/tls").stdout());
      Etcdctl.Result denied = etcdctl(certs, url, "alice", "put", "/tls", "no");
      assertTrue(denied.stderr().contains("etcdserver: permission denied"), denied.toString());
      assertOk(etcdctl(certs, url, "root", "put", "/tls", "still-root"));

      // a new server certificate replaces the old one's files: new connections get it
      BigInteger before = servedSerial(certs, node.address());
      certs.server("server2", "ca");
      Files.copy(certs.file("server2.key"), certs.file("server.key"), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(certs.file("server2.crt"), certs.file("server.crt"), StandardCopyOption.REPLACE_EXISTING);
      BigInteger expected = serial(certs.file("server2.crt"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      BigInteger now = before;
      while (!now.equals(expected) && System.nanoTime() < deadline) {
        Thread.sleep(200);
        now = servedSerial(certs, node.address());
      }
      assertEquals(expected, now, "the replaced certificate is served (was " + before + ")");
      assertOk(etcdctl(certs, url, "root", "get", "/tls"));
    } finally {
      TestDirs.delete(dir);
    }
  }

  private static Etcdctl.Result etcdctl(TestCerts certs, String url, String who, String... args) {
    List<String> all = new ArrayList<>(List.of("--cacert", certs.file("ca.crt").toString(),
        "--cert", certs.file(who + ".crt").toString(), "--key", certs.file(who + ".key").toString(),
        "--dial-timeout=3s", "--command-timeout=5s"));
    all.addAll(List.of(args));
    return Etcdctl.exec(List.of(url), all.toArray(new String[0]));
  }

  private static void assertOk(Etcdctl.Result r) {
    assertEquals(0, r.exit(), r.toString());
  }

  private static BigInteger serial(Path cert) throws Exception {
    try (FileInputStream in = new FileInputStream(cert.toFile())) {
      return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getSerialNumber();
    }
  }

  /** The serial number of the certificate the server presents on a new connection. */
  private static BigInteger servedSerial(TestCerts certs, String address) throws Exception {
    AtomicReference<BigInteger> seen = new AtomicReference<>();
    TrustManager capture = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        seen.set(chain[0].getSerialNumber());
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    KeyStore none = KeyStore.getInstance("PKCS12");
    none.load(null, null);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {capture}, null);
    String[] hp = address.split(":");
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(hp[0], Integer.parseInt(hp[1]))) {
      s.setSoTimeout(5000);
      try {
        s.startHandshake();
      } catch (java.io.IOException refusedWithoutClientCertificate) {
        // the server certificate was seen before the server asked for ours
      }
    }
    return seen.get();
  }
}
