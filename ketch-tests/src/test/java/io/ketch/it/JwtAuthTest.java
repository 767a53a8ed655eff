package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code --auth-token jwt} with keys made by openssl (RS256, and ES256): etcdctl sets up auth and
 * works as root and as a limited user through JWTs; after a password change only the new one works;
 * a member started with a key it cannot read does not start.
 */
class JwtAuthTest {
  @Test
  void etcdctlThroughJwts() throws Exception {
    Path dir = TestDirs.newDir("ketch-jwt");
    try {
      run(dir, "openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rs.key");
      run(dir, "openssl", "pkey", "-in", "rs.key", "-pubout", "-out", "rs.pub");
      run(dir, "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "es.key");
      run(dir, "openssl", "pkey", "-in", "es.key", "-pubout", "-out", "es.pub");
      for (String method : List.of("RS256", "ES256")) {
        String k = method.startsWith("RS") ? "rs" : "es";
        try (KetchNode node = new KetchNode("--auth-token", "jwt,pub-key=" + dir.resolve(k + ".pub") + ",priv-key="
            + dir.resolve(k + ".key") + ",sign-method=" + method + ",ttl=5m")) {
          List<String> ep = List.of(node.address());
          for (String[] cmd : List.of(new String[] {"user", "add", "root:rootpw"}, new String[] {"role", "add", "root"},
              new String[] {"user", "grant-role", "root", "root"}, new String[] {"user", "add", "app:apppw"},
              new String[] {"role", "add", "app"},
              new String[] {"role", "grant-permission", "app", "--prefix=true", "readwrite", "/app/"},
              new String[] {"user", "grant-role", "app", "app"}, new String[] {"auth", "enable"})) {
            assertEquals(0, Etcdctl.exec(ep, cmd).exit(), method + " " + String.join(" ", cmd));
          }
          assertEquals(0, Etcdctl.exec(ep, "--user=root:rootpw", "put", "/x", "1").exit());
          assertEquals(0, Etcdctl.exec(ep, "--user=app:apppw", "put", "/app/a", "1").exit());
          Etcdctl.Result denied = Etcdctl.exec(ep, "--user=app:apppw", "put", "/x", "2");
          assertTrue(denied.stderr().contains("etcdserver: permission denied"), method + ": " + denied);
          assertEquals("/app/a\n1\n", Etcdctl.exec(ep, "--user=app:apppw", "get", "/app/a").stdout());
          String passwd = Etcdctl.run(node, "newpw\n", "--user=root:rootpw", "user", "passwd", "app",
              "--interactive=false");
          assertTrue(passwd.startsWith("exit=0"), passwd);
          assertNotEquals(0, Etcdctl.exec(ep, "--user=app:apppw", "get", "/app/a").exit(), "the old password");
          assertEquals("/app/a\n1\n", Etcdctl.exec(ep, "--user=app:newpw", "get", "/app/a").stdout());
        }
      }
      // a member whose key file is not a key does not start, saying why
      Files.writeString(dir.resolve("bad.pub"), "not a key\n");
      IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
          () -> new KetchNode("--auth-token", "jwt,pub-key=" + dir.resolve("bad.pub") + ",sign-method=RS256"));
      assertTrue(e.getMessage().contains("--auth-token"), e.getMessage());
    } finally {
      TestDirs.delete(dir);
    }
  }

  private static void run(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertNotEquals(-1, out.length());
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }
}
