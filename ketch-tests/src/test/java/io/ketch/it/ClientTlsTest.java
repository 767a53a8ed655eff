package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.client.Client;
import io.ketch.client.EtcdException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ketch-client over TLS with client certificates, against etcd serving https with
 * {@code --client-cert-auth} (Ketch's listeners do not speak TLS yet). Certificates are made
 * for the test with openssl: a CA, a server certificate for 127.0.0.1 and a client certificate.
 */
class ClientTlsTest {
  private static void openssl(Path dir, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("openssl.log").toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + Files.readString(dir.resolve("openssl.log")));
    }
  }

  private static void certificate(Path dir, String name, String cn, String extensions) throws Exception {
    openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn);
    Files.writeString(dir.resolve(name + ".ext"), extensions + "\n");
    openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", name + ".crt", "-days", "1", "-extfile", name + ".ext");
  }

  @Test
  void mutualTlsAgainstEtcd() throws Exception {
    Path dir = TestDirs.newDir("ketch-client-tls");
    Process etcd = null;
    try {
      openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
          "-days", "1", "-subj", "/CN=ketch-test-ca");
      certificate(dir, "server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth");
      certificate(dir, "client", "alice", "extendedKeyUsage=clientAuth");
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
            assertTrue(System.currentTimeMillis() < deadline, "etcd over TLS not ready: " + notYet);
            Thread.sleep(200);
          }
        }
        assertEquals("yes", get(c.kv().get(bs("tls"))).getKvs(0).getValue().toStringUtf8());
      }
      // without a client certificate the server refuses the handshake
      try (Client anonymous = Client.builder().endpoints(url).caFile(ca).requestTimeout(Duration.ofSeconds(2)).build()) {
        EtcdException e = EtcdException.of(org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
            () -> get(anonymous.kv().get(bs("tls")))));
        assertTrue(e.code() == io.grpc.Status.Code.UNAVAILABLE || e.code() == io.grpc.Status.Code.DEADLINE_EXCEEDED,
            e.toString());
      }
    } finally {
      if (etcd != null) {
        etcd.destroy();
        etcd.waitFor(10, TimeUnit.SECONDS);
        etcd.destroyForcibly();
      }
      TestDirs.delete(dir);
    }
  }

}
