package dev.cmk.provider.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;

/**
 * The one shape of circuit breaker CMK uses, for key providers ({@link ResilientKeyProvider}) and
 * the blob store alike: a count-based window in which only the caller's <em>unavailable</em>
 * failure family counts; every other exception (refused, access denied, bad ciphertext, a missing
 * object) is an answer and is ignored. Time comes from the injected clock.
 */
public final class Breakers {
  private Breakers() {}

  /**
   * @param unavailable the exception type that counts as a failure; no other type does
   */
  public static CircuitBreakerConfig countBased(
      int window,
      int minimumCalls,
      int failureRatePercent,
      Duration openFor,
      int halfOpenCalls,
      Class<? extends Throwable> unavailable,
      Clock clock) {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(window)
        .minimumNumberOfCalls(minimumCalls)
        .failureRateThreshold(failureRatePercent)
        .waitDurationInOpenState(openFor)
        .permittedNumberOfCallsInHalfOpenState(halfOpenCalls)
        .recordException(unavailable::isInstance)
        .ignoreException(e -> !unavailable.isInstance(e))
        .clock(clock)
        .build();
  }
}
