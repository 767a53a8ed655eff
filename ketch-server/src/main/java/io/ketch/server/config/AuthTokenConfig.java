package io.ketch.server.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * etcd's {@code --auth-token}: {@code simple}, or {@code jwt,pub-key=<file>,priv-key=<file>,
 * sign-method=<RS256|...>,ttl=<duration>}.
 *
 * @param jwt whether tokens are JWTs (else simple tokens)
 * @param publicKey the key JWTs are verified with (PEM); null for simple tokens
 * @param privateKey the key JWTs are signed with; null: this member cannot issue tokens
 * @param signMethod the JWT signing method (default RS256)
 * @param ttl how long a JWT is valid (default 5m)
 */
public record AuthTokenConfig(boolean jwt, Path publicKey, Path privateKey, String signMethod, Duration ttl) {
  static final AuthTokenConfig SIMPLE = new AuthTokenConfig(false, null, null, "", Duration.ZERO);

  /** Parses the flag's value. */
  static AuthTokenConfig parse(String raw) throws Flags.FlagException {
    String[] parts = raw.split(",");
    if (parts[0].equals("simple") && parts.length == 1) {
      return SIMPLE;
    }
    if (!parts[0].equals("jwt")) {
      throw new Flags.FlagException("unknown token type: " + raw + " (simple or jwt,...)");
    }
    Path pub = null;
    Path priv = null;
    String method = "RS256";
    Duration ttl = Duration.ofMinutes(5);
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      String k = eq < 0 ? parts[i] : parts[i].substring(0, eq);
      String v = eq < 0 ? "" : parts[i].substring(eq + 1);
      switch (k) {
        case "pub-key" -> pub = Path.of(v);
        case "priv-key" -> priv = Path.of(v);
        case "sign-method" -> method = v;
        case "ttl" -> ttl = GoDuration.parse("auth-token", v);
        default -> throw new Flags.FlagException("unknown token option: " + k + " in --auth-token " + raw);
      }
    }
    if (pub == null) {
      throw new Flags.FlagException("--auth-token jwt needs pub-key=<file>");
    }
    return new AuthTokenConfig(true, pub, priv, method, ttl);
  }
}
