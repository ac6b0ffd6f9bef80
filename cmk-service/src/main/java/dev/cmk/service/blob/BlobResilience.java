package dev.cmk.service.blob;

import java.time.Duration;

/**
 * How {@link ResilientBlobStore} guards blob calls. Part of the operator's configuration ({@code
 * storage.blobs.resilience}); retries and per-call timeouts stay the store's own (the S3 SDK's).
 *
 * @param breakerWindow recent calls the breaker looks at
 * @param breakerMinimumCalls calls needed in the window before the breaker may open
 * @param breakerFailureRatePercent share of unavailable failures in the window that opens it;
 *     access denied and missing blobs never count
 * @param breakerOpenFor how long an open breaker fails calls at once before letting probes through
 * @param breakerHalfOpenCalls trial calls while half-open; the breaker closes when they succeed
 * @param maxConcurrentCalls blob calls in flight on this node; more fail at once as unavailable, so
 *     a slow store cannot take every request thread
 */
public record BlobResilience(
    int breakerWindow,
    int breakerMinimumCalls,
    int breakerFailureRatePercent,
    Duration breakerOpenFor,
    int breakerHalfOpenCalls,
    int maxConcurrentCalls) {

  public BlobResilience {
    requireAtLeastOne("breakerWindow", breakerWindow);
    requireAtLeastOne("breakerMinimumCalls", breakerMinimumCalls);
    requireAtLeastOne("breakerHalfOpenCalls", breakerHalfOpenCalls);
    requireAtLeastOne("maxConcurrentCalls", maxConcurrentCalls);
    if (breakerMinimumCalls > breakerWindow) {
      throw new IllegalArgumentException("breakerMinimumCalls must not exceed breakerWindow");
    }
    if (breakerFailureRatePercent < 1 || breakerFailureRatePercent > 100) {
      throw new IllegalArgumentException("breakerFailureRatePercent must be in 1..100");
    }
    if (breakerOpenFor == null || breakerOpenFor.isNegative() || breakerOpenFor.isZero()) {
      throw new IllegalArgumentException("breakerOpenFor must be positive");
    }
  }

  /**
   * Defaults: the breaker opens when half of the last 20 calls (at least 10) were unavailable,
   * stays open 30 s, closes after 3 good trial calls; at most 200 blob calls in flight: the HTTP
   * server runs up to 250 request threads, so a slow store leaves 50 for the routes that touch no
   * blob (key status, health, metrics, admin), while a healthy store at tens of milliseconds per
   * call would need thousands of blob calls per second per node to reach the limit.
   */
  public static BlobResilience defaults() {
    return new BlobResilience(20, 10, 50, Duration.ofSeconds(30), 3, 200);
  }

  private static void requireAtLeastOne(String name, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(name + " must be at least 1");
    }
  }
}
