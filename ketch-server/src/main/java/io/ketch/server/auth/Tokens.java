package io.ketch.server.auth;

/**
 * What a token is ({@code --auth-token}): etcd's simple tokens ({@link SimpleTokens}) or JWTs
 * ({@link JwtTokens}). Authenticate is applied through the log; applying it asks the provider for
 * the client's token.
 */
public interface Tokens {
  /** What the member that checked the password proposes with Authenticate (simple tokens' random part). */
  String newPrefix();

  /**
   * The token for {@code user}, made on every member when Authenticate applies at log {@code index};
   * null where the proposing member makes it afterwards ({@link #sign}).
   */
  String assign(String prefix, String user, long revision, long index);

  /**
   * The token for {@code user} at auth {@code revision}, made by the member that proposed an applied
   * Authenticate whose {@link #assign} gave none (JWTs: signed once, by that member only).
   */
  default String sign(String user, long revision) {
    throw new UnsupportedOperationException("tokens are assigned when applied");
  }

  /** The user a token names, refreshing its lifetime where tokens have one; null: unknown or expired. */
  String user(String token);

  /**
   * The log index at which a token this member does not know may become known (a simple token
   * assigned by an entry not applied here yet), or -1.
   */
  long pendingIndex(String token);

  /** Ends {@code user}'s tokens (deleted, or its password changed) where tokens can be ended. */
  void revokeUser(String user);

  /** Ends every token (auth disabled) where tokens can be ended. */
  void clear();
}
