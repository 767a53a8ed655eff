package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * TLS on Ketch's client port with certificates the test makes (openssl): etcdctl and python-etcd3
 * over mutual TLS; refused without a client certificate, with one from another CA, with a revoked
 * (CRL) or an expired one and in plaintext; with {@code --client-cert-auth} and auth on, the certificate's CN is
 * the user (root sets auth up with no password, alice may read only what her role allows, a CN
 * naming no user reads nothing); a replaced server certificate is served without a restart. With
 * {@code --auto-tls} the member makes its own certificate (etcd's), which clients use without
 * verifying it.
 */
class ServerTlsTest {
  @Test
  void mutualTlsWithCertificateUsersRevocationAndReload() throws Exception {
    Path dir = TestDirs.newDir("ketch-server-tls");
    TestCerts certs = new TestCerts(dir).ca("ca").server("server", "ca").client("alice", "alice", "ca")
        .client("root", "root", "ca").client("mallory", "mallory", "ca").ca("other")
        .client("stranger", "alice", "other").expiredClient("expired", "alice", "ca")
        .client("nobody", "nobody", "ca").crl("ca", "mallory");
    try (KetchNode node = KetchNode.https("--cert-file", certs.file("server.crt").toString(),
        "--key-file", certs.file("server.key").toString(), "--trusted-ca-file", certs.file("ca.crt").toString(),
        "--client-cert-auth", "--client-crl-file", certs.file("ca.crl").toString())) {
      String url = "https://" + node.address();
      assertOk(etcdctl(certs, url, "root", "put", "/tls", "yes"));
      Etcdctl.Result got = etcdctl(certs, url, "alice", "get", "/tls");
      assertOk(got);
      assertEquals("/tls\nyes\n", got.stdout());

      for (String refused : List.of("stranger", "mallory", "expired")) {
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
      // a certificate of the right CA whose CN names no user reads nothing
      Etcdctl.Result stranger = etcdctl(certs, url, "nobody", "get", "/tls");
      assertTrue(stranger.stderr().contains("etcdserver: permission denied"), stranger.toString());

      // a new server certificate replaces the old one's files: new connections get it
      BigInteger before = TestCerts.served(node.address()).getSerialNumber();
      certs.server("server2", "ca");
      Files.copy(certs.file("server2.key"), certs.file("server.key"), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(certs.file("server2.crt"), certs.file("server.crt"), StandardCopyOption.REPLACE_EXISTING);
      BigInteger expected = TestCerts.read(certs.file("server2.crt")).getSerialNumber();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      BigInteger now = before;
      while (!now.equals(expected) && System.nanoTime() < deadline) {
        Thread.sleep(200);
        now = TestCerts.served(node.address()).getSerialNumber();
      }
      assertEquals(expected, now, "the replaced certificate is served (was " + before + ")");
      assertOk(etcdctl(certs, url, "root", "get", "/tls"));
    } finally {
      TestDirs.delete(dir);
    }
  }

  @Test
  void autoTlsServesASelfSignedCertificateForTheListenHosts() throws Exception {
    try (KetchNode node = KetchNode.https("--auto-tls")) {
      String url = "https://" + node.address();
      // etcdctl 3.4 talks TLS without a client certificate only with --insecure-transport=false
      Etcdctl.Result put = Etcdctl.exec(List.of(url), "--insecure-transport=false", "--insecure-skip-tls-verify",
          "--dial-timeout=3s",
          "--command-timeout=5s", "put", "/auto", "tls");
      assertOk(put);
      Etcdctl.Result get = Etcdctl.exec(List.of(url), "--insecure-transport=false", "--insecure-skip-tls-verify",
          "--dial-timeout=3s",
          "--command-timeout=5s", "get", "/auto", "--print-value-only");
      assertOk(get);
      assertEquals("tls\n", get.stdout());
      Etcdctl.Result verifying = Etcdctl.exec(List.of(url), "--insecure-transport=false", "--dial-timeout=2s",
          "--command-timeout=3s", "get", "/auto");
      assertNotEquals(0, verifying.exit(), "a self-signed certificate was trusted: " + verifying);
      Etcdctl.Result plain = Etcdctl.exec(List.of("http://" + node.address()), "--dial-timeout=2s",
          "--command-timeout=3s", "get", "/auto");
      assertNotEquals(0, plain.exit(), "plaintext: " + plain);

      Path dir = node.dataDir().resolve("fixtures").resolve("client");
      X509Certificate cert = TestCerts.read(dir.resolve("cert.pem"));
      assertEquals(cert, TestCerts.served(node.address()), "the file's certificate is served");
      assertEquals("O=etcd", cert.getSubjectX500Principal().getName());
      assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal(), "self-signed");
      assertTrue(cert.getSubjectAlternativeNames().stream().anyMatch(n -> n.get(1).equals("127.0.0.1")),
          "names the listen host: " + cert.getSubjectAlternativeNames());
      long days = TimeUnit.MILLISECONDS.toDays(cert.getNotAfter().getTime() - System.currentTimeMillis());
      assertTrue(days >= 364 && days <= 365, "valid --self-signed-cert-validity (1) years: " + days + " days");
      assertEquals("rw-------", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir.resolve("key.pem"))));
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
}
