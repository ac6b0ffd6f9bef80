package dev.cmk.service.idempotency;

import java.time.Instant;
import java.util.Optional;

/** Remembered responses of requests sent with an Idempotency-Key. */
public interface IdempotencyStore {
  /** A remembered request; {@code status} 0 while it still runs. */
  record Entry(String requestHash, int status, String response) {}

  /** Claims the key for a new request; false when the key is already known. */
  boolean claim(String scope, String key, String requestHash, Instant at);

  Optional<Entry> find(String scope, String key);

  void complete(String scope, String key, int status, String response);

  void release(String scope, String key);

  /**
   * Takes over a claim whose request is still marked running but was claimed before {@code
   * staleBefore} (its node died): moves the claim's time to {@code now}; true for exactly one
   * caller. Only for the same request ({@code requestHash}).
   */
  default boolean takeOverStale(
      String scope, String key, String requestHash, Instant staleBefore, Instant now) {
    return false;
  }
}
