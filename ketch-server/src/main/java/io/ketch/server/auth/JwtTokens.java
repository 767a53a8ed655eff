package io.ketch.server.auth;

import io.ketch.server.config.AuthTokenConfig;
import io.ketch.server.tls.PemFiles;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * etcd's JWT tokens ({@code --auth-token jwt,pub-key=...,priv-key=...,sign-method=...,ttl=...}):
 * signed claims {@code {"exp":...,"revision":...,"username":...}}, valid until {@code exp}, on any
 * member that has the public key, with nothing kept per token. A token signed before the last auth
 * change (its {@code revision} below the store's) is no longer accepted, so a deleted user or a
 * changed password ends the user's tokens at once, as with simple tokens; the client authenticates
 * again. RS256/384/512, PS256/384/512 and ES256/384/512, as etcd. Thread-safe.
 */
public final class JwtTokens implements Tokens {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final Pattern USERNAME = Pattern.compile("\"username\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern REVISION = Pattern.compile("\"revision\"\\s*:\\s*(\\d+)");
  private static final Pattern EXP = Pattern.compile("\"exp\"\\s*:\\s*(\\d+)");
  private static final Pattern ALG = Pattern.compile("\"alg\"\\s*:\\s*\"([A-Z0-9]+)\"");
  private static final Map<String, Integer> EC_SIZES = Map.of("ES256", 32, "ES384", 48, "ES512", 66);

  private final String method;
  private final PublicKey publicKey;
  private final PrivateKey privateKey;
  private final long ttlSeconds;
  private final LongSupplier authRevision;

  /**
   * @param privateKey null: this member verifies tokens but cannot issue them
   * @param authRevision the auth store's current revision
   */
  public JwtTokens(String method, PublicKey publicKey, PrivateKey privateKey, Duration ttl, LongSupplier authRevision)
      throws GeneralSecurityException {
    signature(method); // an unknown method fails here, at start
    this.method = method;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
    this.ttlSeconds = ttl.toSeconds();
    this.authRevision = authRevision;
  }

  /** As {@code --auth-token jwt,...} says. */
  public static JwtTokens of(AuthTokenConfig cfg, LongSupplier authRevision)
      throws GeneralSecurityException, java.io.IOException {
    return new JwtTokens(cfg.signMethod(), PemFiles.publicKey(cfg.publicKey()),
        cfg.privateKey() == null ? null : PemFiles.privateKey(cfg.privateKey()), cfg.ttl(), authRevision);
  }

  @Override
  public String newPrefix() {
    return "";
  }

  @Override
  public String assign(String prefix, String user, long revision, long index) {
    return null; // signed by the proposing member only
  }

  @Override
  public String sign(String user, long revision) {
    if (privateKey == null) {
      throw io.grpc.Status.FAILED_PRECONDITION.withDescription(
          "ketch: this member has no priv-key to sign tokens with (--auth-token jwt,priv-key=...)").asRuntimeException();
    }
    String header = "{\"alg\":\"" + method + "\",\"typ\":\"JWT\"}";
    long exp = System.currentTimeMillis() / 1000 + ttlSeconds;
    String claims = "{\"exp\":" + exp + ",\"revision\":" + revision + ",\"username\":\"" + escape(user) + "\"}";
    String signed = B64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
        + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    try {
      Signature s = signature(method);
      s.initSign(privateKey);
      s.update(signed.getBytes(StandardCharsets.US_ASCII));
      byte[] sig = s.sign();
      if (EC_SIZES.containsKey(method)) {
        sig = derToRaw(sig, EC_SIZES.get(method));
      }
      return signed + "." + B64.encodeToString(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
    }
  }

  @Override
  public String user(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return null;
    }
    try {
      String header = new String(B64D.decode(parts[0]), StandardCharsets.UTF_8);
      Matcher alg = ALG.matcher(header);
      if (!alg.find() || !alg.group(1).equals(method)) {
        return null; // never "none", never another method than this member's
      }
      byte[] sig = B64D.decode(parts[2]);
      if (EC_SIZES.containsKey(method)) {
        sig = rawToDer(sig);
      }
      Signature s = signature(method);
      s.initVerify(publicKey);
      s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!s.verify(sig)) {
        return null;
      }
      String claims = new String(B64D.decode(parts[1]), StandardCharsets.UTF_8);
      Matcher user = USERNAME.matcher(claims);
      Matcher rev = REVISION.matcher(claims);
      Matcher exp = EXP.matcher(claims);
      if (!user.find() || !rev.find() || !exp.find()) {
        return null;
      }
      if (Long.parseLong(exp.group(1)) <= System.currentTimeMillis() / 1000
          || Long.parseLong(rev.group(1)) < authRevision.getAsLong()) {
        return null;
      }
      return unescape(user.group(1));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public long pendingIndex(String token) {
    return -1; // a JWT is valid on its own
  }

  @Override
  public void revokeUser(String user) {
    // the auth change that revokes moved the revision on: older tokens are refused by user()
  }

  @Override
  public void clear() {
    // as above
  }

  private static Signature signature(String method) throws GeneralSecurityException {
    String bits = method.length() == 5 ? method.substring(2) : "";
    return switch (method) {
      case "RS256", "RS384", "RS512" -> Signature.getInstance("SHA" + bits + "withRSA");
      case "ES256", "ES384", "ES512" -> Signature.getInstance("SHA" + bits + "withECDSA");
      case "PS256", "PS384", "PS512" -> {
        Signature s = Signature.getInstance("RSASSA-PSS");
        String hash = "SHA-" + bits;
        s.setParameter(new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), Integer.parseInt(bits) / 8, 1));
        yield s;
      }
      default -> throw new GeneralSecurityException("unsupported JWT sign-method " + method
          + " (RS256/384/512, PS256/384/512, ES256/384/512)");
    };
  }

  /** A DER ECDSA signature as JWT's fixed-size R||S. */
  private static byte[] derToRaw(byte[] der, int size) {
    int at = der[1] == (byte) 0x81 ? 3 : 2;
    byte[] out = new byte[2 * size];
    for (int i = 0; i < 2; i++) {
      int len = der[at + 1];
      byte[] n = new byte[len];
      System.arraycopy(der, at + 2, n, 0, len);
      byte[] mag = new BigInteger(1, n).toByteArray();
      int skip = mag.length > size ? mag.length - size : 0;
      System.arraycopy(mag, skip, out, (i + 1) * size - (mag.length - skip), mag.length - skip);
      at += 2 + len;
    }
    return out;
  }

  /** JWT's R||S as a DER ECDSA signature. */
  private static byte[] rawToDer(byte[] raw) {
    int size = raw.length / 2;
    byte[] r = new BigInteger(1, java.util.Arrays.copyOfRange(raw, 0, size)).toByteArray();
    byte[] s = new BigInteger(1, java.util.Arrays.copyOfRange(raw, size, raw.length)).toByteArray();
    int body = 2 + r.length + 2 + s.length;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(0x30);
    if (body >= 0x80) {
      out.write(0x81);
    }
    out.write(body);
    out.write(0x02);
    out.write(r.length);
    out.writeBytes(r);
    out.write(0x02);
    out.write(s.length);
    out.writeBytes(s);
    return out.toByteArray();
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String unescape(String s) {
    return s.replace("\\\"", "\"").replace("\\\\", "\\");
  }
}
