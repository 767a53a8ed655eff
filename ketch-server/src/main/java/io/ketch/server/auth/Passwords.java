package io.ketch.server.auth;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Password hashes as etcd makes them: bcrypt ({@code $2a$}, Go's format) with {@code --bcrypt-cost}
 * rounds (etcd's default 10). Hashing and checking cost tens of milliseconds by design: callers run
 * them off the transport threads.
 */
public final class Passwords {
  /** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut. */
  private static final int MAX_BYTES = 72;

  private final int cost;
  private final SecureRandom random = new SecureRandom();

  public Passwords(int cost) {
    this.cost = cost;
  }

  /** The bcrypt hash of {@code password}, with a fresh salt. */
  public String hash(String password) {
    byte[] b = password.getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_BYTES) {
      throw Status.INVALID_ARGUMENT.withDescription("etcdserver: password is longer than bcrypt's 72 bytes")
          .asRuntimeException();
    }
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return OpenBSDBCrypt.generate("2a", b, salt, cost);
  }

  /** Whether {@code password} matches the stored {@code hash} (false for a malformed hash). */
  public static boolean matches(byte[] hash, String password) {
    byte[] b = password.getBytes(StandardCharsets.UTF_8);
    if (hash.length == 0 || b.length > MAX_BYTES) {
      return false;
    }
    try {
      return OpenBSDBCrypt.checkPassword(new String(hash, StandardCharsets.UTF_8), b);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
