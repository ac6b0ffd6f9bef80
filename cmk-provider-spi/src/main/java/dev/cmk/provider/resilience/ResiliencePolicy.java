package dev.cmk.provider.resilience;

import java.time.Duration;

/**
 * How {@link ResilientKeyProvider} guards provider calls. Part of the operator's configuration.
 *
 * @param callTimeout hard limit for one attempt; {@link Duration#ZERO} runs the call on the
 *     caller's thread and relies on the provider's own timeouts
 * @param maxAttempts attempts per call, including the first, for unavailable errors only
 * @param baseBackoff first backoff cap; doubled per attempt, the wait is uniform in [0, cap]
 * @param maxBackoff upper bound of the backoff cap
 * @param breakerWindow number of recent calls per key the breaker looks at
 * @param breakerMinimumCalls calls needed in the window before the breaker may open
 * @param breakerFailureRatePercent failure rate (unavailable errors) that opens the breaker
 * @param breakerOpenFor how long an open breaker rejects calls before letting probes through
 * @param breakerHalfOpenCalls trial calls allowed while half-open
 * @param maxConcurrentPerKey calls in flight per key; more fail at once with {@code BULKHEAD_FULL},
 *     so one slow key cannot take every thread
 */
public record ResiliencePolicy(
    Duration callTimeout,
    int maxAttempts,
    Duration baseBackoff,
    Duration maxBackoff,
    int breakerWindow,
    int breakerMinimumCalls,
    int breakerFailureRatePercent,
    Duration breakerOpenFor,
    int breakerHalfOpenCalls,
    int maxConcurrentPerKey) {

  public ResiliencePolicy {
    requireNonNegative("callTimeout", callTimeout);
    requireNonNegative("baseBackoff", baseBackoff);
    requireNonNegative("maxBackoff", maxBackoff);
    requireNonNegative("breakerOpenFor", breakerOpenFor);
    requireAtLeastOne("maxAttempts", maxAttempts);
    requireAtLeastOne("breakerWindow", breakerWindow);
    requireAtLeastOne("breakerMinimumCalls", breakerMinimumCalls);
    requireAtLeastOne("breakerHalfOpenCalls", breakerHalfOpenCalls);
    requireAtLeastOne("maxConcurrentPerKey", maxConcurrentPerKey);
    if (breakerFailureRatePercent < 1 || breakerFailureRatePercent > 100) {
      throw new IllegalArgumentException("breakerFailureRatePercent must be in 1..100");
    }
  }

  /**
   * Defaults: 10 s per attempt, 3 attempts with 100 ms..2 s jittered backoff, breaker opens at 50%
   * failures over the last 20 calls (at least 5) for 500 ms, then lets one trial call through (a
   * key or region that answers again serves within about half a second, not after a fixed long
   * wait; an open breaker costs about two real calls per second per copy), 8 calls in flight per
   * key.
   */
  public static ResiliencePolicy defaults() {
    return new ResiliencePolicy(
        Duration.ofSeconds(10),
        3,
        Duration.ofMillis(100),
        Duration.ofSeconds(2),
        20,
        5,
        50,
        Duration.ofMillis(500),
        1,
        8);
  }

  private static void requireNonNegative(String name, Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative");
    }
  }

  private static void requireAtLeastOne(String name, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(name + " must be at least 1");
    }
  }
}
