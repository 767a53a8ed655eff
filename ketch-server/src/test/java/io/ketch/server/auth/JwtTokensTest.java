package io.ketch.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** JWTs as etcd signs them: each method round-trips; forged, altered, stale and expired tokens are refused. */
class JwtTokensTest {
  private static KeyPair keys(String method) throws Exception {
    if (method.startsWith("ES")) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(switch (method) {
        case "ES256" -> "secp256r1";
        case "ES384" -> "secp384r1";
        default -> "secp521r1";
      }));
      return g.generateKeyPair();
    }
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
  void signsAndVerifies(String method) throws Exception {
    KeyPair k = keys(method);
    AtomicLong revision = new AtomicLong(7);
    JwtTokens t = new JwtTokens(method, k.getPublic(), k.getPrivate(), Duration.ofMinutes(5), revision::get);
    String token = t.sign("al\"ice", 7);
    assertEquals(3, token.split("\\.").length);
    assertEquals("al\"ice", t.user(token));
    String claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
    assertEquals(true, claims.contains("\"revision\":7") && claims.contains("\"exp\":"), claims);

    String[] p = token.split("\\.");
    String forged = p[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
        claims.replace("al\\\"ice", "root").getBytes(StandardCharsets.UTF_8)) + "." + p[2];
    assertNull(t.user(forged), "altered claims");
    String none = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + p[1] + ".";
    assertNull(t.user(none), "alg none");
    KeyPair other = keys(method);
    assertNull(new JwtTokens(method, other.getPublic(), other.getPrivate(), Duration.ofMinutes(5), revision::get)
        .user(token), "another key");
    revision.set(8);
    assertNull(t.user(token), "signed before the last auth change");
    assertNull(new JwtTokens(method, k.getPublic(), k.getPrivate(), Duration.ZERO, revision::get)
        .user(new JwtTokens(method, k.getPublic(), k.getPrivate(), Duration.ZERO, revision::get).sign("bob", 8)),
        "expired");
  }

  @ParameterizedTest
  @ValueSource(strings = {"HS256", "none", "RS1"})
  void refusesOtherMethods(String method) throws Exception {
    KeyPair k = keys("RS256");
    assertThrows(java.security.GeneralSecurityException.class,
        () -> new JwtTokens(method, k.getPublic(), k.getPrivate(), Duration.ofMinutes(5), () -> 1));
  }
}
