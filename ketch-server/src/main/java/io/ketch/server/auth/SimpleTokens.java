package io.ketch.server.auth;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * etcd's simple tokens ({@code --auth-token simple}): {@code <16 random letters>.<log index>}, naming
 * a user, valid for {@code --auth-token-ttl} since their last use. The member that checked the
 * password picks the random part and proposes it with the Authenticate request; applying it adds
 * the entry's index, so every member holds the token once it applied that entry (a client may send
 * it to any member; one that is behind waits for the index first, see {@code Authorizer}); each
 * member counts the TTL itself, as etcd's do. Kept in
 * memory only: after a restart clients get {@code invalid auth token} and authenticate again.
 * Thread-safe.
 */
public final class SimpleTokens implements Tokens {
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final int RANDOM_LENGTH = 16;

  private record Grant(String user, AtomicLong expiresAtNanos) {}

  private final long ttlNanos;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();

  public SimpleTokens(Duration ttl) {
    this.ttlNanos = ttl.toNanos();
  }

  /**
   * A new token's random part: 16 letters. The applied Authenticate appends a dot and its log index
   * (etcd's form), so a member that has not applied it yet knows to wait ({@link #index}).
   */
  @Override
  public String newPrefix() {
    StringBuilder b = new StringBuilder(RANDOM_LENGTH);
    for (int i = 0; i < RANDOM_LENGTH; i++) {
      b.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return b.toString();
  }

  @Override
  public String assign(String prefix, String user, long revision, long index) {
    String token = prefix + "." + index;
    assign(token, user);
    return token;
  }

  @Override
  public long pendingIndex(String token) {
    return index(token);
  }

  /** The log index a token was assigned at (its part after the last dot), or -1 if it has none. */
  static long index(String token) {
    int dot = token.lastIndexOf('.');
    if (dot < 0 || dot == token.length() - 1 || token.length() - dot > 20) {
      return -1;
    }
    try {
      return Long.parseLong(token.substring(dot + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Makes {@code token} name {@code user} from now on. */
  void assign(String token, String user) {
    grants.put(token, new Grant(user, new AtomicLong(System.nanoTime() + ttlNanos)));
    if (grants.size() % 256 == 0) {
      sweep(); // tokens never used again are dropped as new ones come
    }
  }

  /** The user {@code token} names, its TTL starting again; null when unknown or expired. */
  @Override
  public String user(String token) {
    Grant g = grants.get(token);
    if (g == null) {
      return null;
    }
    long now = System.nanoTime();
    if (now - g.expiresAtNanos().get() > 0) {
      grants.remove(token, g);
      return null;
    }
    g.expiresAtNanos().set(now + ttlNanos);
    return g.user();
  }

  /** Drops every token of {@code user} (deleted, or its password changed). */
  @Override
  public void revokeUser(String user) {
    grants.values().removeIf(g -> g.user().equals(user));
  }

  /** Drops every token (auth disabled). */
  @Override
  public void clear() {
    grants.clear();
  }

  /** Drops the expired tokens; returns how many are left. */
  public int sweep() {
    long now = System.nanoTime();
    grants.values().removeIf(g -> now - g.expiresAtNanos().get() > 0);
    return grants.size();
  }
}
