package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.client.Client;
import io.ketch.client.EtcdException;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ketch-client over TLS with client certificates, against etcd and against Ketch serving https with
 * {@code --client-cert-auth}. Certificates are made for the test with openssl: a CA, a server
 * certificate for 127.0.0.1 and a client certificate.
 */
class ClientTlsTest {
  @Test
  void mutualTlsAgainstEtcd() throws Exception {
    Path dir = TestDirs.newDir("ketch-client-tls");
    Process etcd = null;
    try {
      new TestCerts(dir).ca("ca").server("server", "ca").client("client", "alice", "ca");
      int port = TestDirs.freePort();
      int peerPort = TestDirs.freePort();
      String url = "https://127.0.0.1:" + port;
      String peer = "http://127.0.0.1:" + peerPort;
      etcd = new ProcessBuilder(EtcdOracle.ETCD.toString(), "--name", "tls", "--data-dir", dir.resolve("data").toString(),
          "--listen-client-urls", url, "--advertise-client-urls", url,
          "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "tls=" + peer,
          "--cert-file", dir.resolve("server.crt").toString(), "--key-file", dir.resolve("server.key").toString(),
          "--trusted-ca-file", dir.resolve("ca.crt").toString(), "--client-cert-auth")
          .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
      mutualTls(url, dir);
    } finally {
      if (etcd != null) {
        etcd.destroy();
        etcd.waitFor(10, TimeUnit.SECONDS);
        etcd.destroyForcibly();
      }
      TestDirs.delete(dir);
    }
  }

  @Test
  void mutualTlsAgainstKetch() throws Exception {
    Path dir = TestDirs.newDir("ketch-client-tls");
    TestCerts certs = new TestCerts(dir).ca("ca").server("server", "ca").client("client", "alice", "ca");
    try (KetchNode node = KetchNode.https("--cert-file", certs.file("server.crt").toString(),
        "--key-file", certs.file("server.key").toString(), "--trusted-ca-file", certs.file("ca.crt").toString(),
        "--client-cert-auth")) {
      mutualTls("https://" + node.address(), dir);
    } finally {
      TestDirs.delete(dir);
    }
  }

  /**
   * With the client certificate in {@code dir}: a put and a get (retried until the server is up);
   * without one, the handshake is refused.
   */
  private static void mutualTls(String url, Path dir) throws Exception {
    File ca = dir.resolve("ca.crt").toFile();
    try (Client c = Client.builder().endpoints(url).caFile(ca)
        .clientCertificate(dir.resolve("client.crt").toFile(), dir.resolve("client.key").toFile())
        .requestTimeout(Duration.ofSeconds(2)).build()) {
      long deadline = System.currentTimeMillis() + 30_000;
      while (true) {
        try {
          get(c.kv().put(bs("tls"), bs("yes")));
          break;
        } catch (Exception notYet) {
          assertTrue(System.currentTimeMillis() < deadline, url + " over TLS not ready: " + notYet);
          Thread.sleep(200);
        }
      }
      assertEquals("yes", get(c.kv().get(bs("tls"))).getKvs(0).getValue().toStringUtf8());
    }
    try (Client anonymous = Client.builder().endpoints(url).caFile(ca).requestTimeout(Duration.ofSeconds(2)).build()) {
      EtcdException e = EtcdException.of(org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
          () -> get(anonymous.kv().get(bs("tls")))));
      assertTrue(e.code() == io.grpc.Status.Code.UNAVAILABLE || e.code() == io.grpc.Status.Code.DEADLINE_EXCEEDED,
          e.toString());
    }
  }
}
