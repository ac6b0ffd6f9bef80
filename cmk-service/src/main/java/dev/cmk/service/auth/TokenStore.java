package dev.cmk.service.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Persistence of tokens, looked up by the SHA-256 of their secret. */
public interface TokenStore {
  void insert(ApiToken token, String secretHash);

  /** The token and its stored hash, for a constant-time comparison by the caller. */
  Optional<Stored> findByHash(String secretHash);

  Optional<ApiToken> find(String tokenId);

  List<ApiToken> list();

  boolean revoke(String tokenId, Instant at);

  /** Records that the token authenticated a request at {@code at} (never moves it back). */
  void touch(String tokenId, Instant at);

  /** When each token that was ever used last authenticated a request, by token id. */
  java.util.Map<String, Instant> lastUsed();

  /** Whether any unrevoked operator token exists (decides the start-up bootstrap hint). */
  boolean hasActiveOperator();

  /** A token row with its hash. */
  record Stored(ApiToken token, String secretHash) {}
}
