package dev.cmk.service.idempotency;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Makes a retried mutation safe: the first request with a key runs and its response is kept; a
 * retry with the same key and the same request gets that response again, a retry with another
 * request is refused ({@code idempotency_key_reused}). Keys are scoped by the caller (token id). A
 * request that failed is forgotten, so the client may fix it and retry with the same key.
 *
 * <p><b>Security:</b> never use it for responses that carry secrets (token creation): they would be
 * stored.
 */
public final class IdempotencyService {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final IdempotencyStore store;
  private final Clock clock;
  private final Duration staleAfter;

  public IdempotencyService(IdempotencyStore store, Clock clock) {
    this(store, clock, Duration.ofMinutes(2));
  }

  /**
   * @param staleAfter a request still marked running after this long lost its node (killed between
   *     claiming the key and storing the response): a retry takes it over and runs again, instead
   *     of being told "still running" forever. Routes whose effect is keyed by the Idempotency-Key
   *     (content writes: the object id derives from it) stay exactly-once.
   */
  public IdempotencyService(IdempotencyStore store, Clock clock, Duration staleAfter) {
    this.store = store;
    this.clock = clock;
    this.staleAfter = staleAfter;
  }

  /** A response to remember and replay. */
  public record Response(int status, String body, boolean replayed) {}

  public Response run(String scope, String key, String requestHash, Supplier<Response> action) {
    if (!KEY.matcher(key).matches()) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "Idempotency-Key must be 1-128 of A-Z a-z 0-9 . _ : -");
    }
    Instant now = clock.instant();
    if (!store.claim(scope, key, requestHash, now)
        && !store.takeOverStale(scope, key, requestHash, now.minus(staleAfter), now)) {
      IdempotencyStore.Entry e =
          store
              .find(scope, key)
              .orElseThrow(
                  () -> new CmkException(ErrorCode.CONFLICT, "retry: the key was just released"));
      if (!e.requestHash().equals(requestHash)) {
        throw new CmkException(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "Idempotency-Key '" + key + "' was used for a different request; use a new key");
      }
      if (e.status() == 0) {
        throw new CmkException(
            ErrorCode.CONFLICT, "the request with this Idempotency-Key is still running");
      }
      return new Response(e.status(), e.response(), true);
    }
    Response r;
    try {
      r = action.get();
    } catch (RuntimeException ex) {
      store.release(scope, key);
      throw ex;
    }
    store.complete(scope, key, r.status(), r.body());
    return r;
  }
}
