package dev.cmk.service.blob;

import dev.cmk.provider.resilience.Breakers;
import dev.cmk.service.blob.BlobStoreException.Operation;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards a {@link BlobStore} with one circuit breaker and one bulkhead, and measures every call.
 *
 * <ul>
 *   <li>The breaker counts {@link BlobStoreUnavailableException} only: access denied (the store
 *       answered; the answer was no) and missing blobs (an answer) never open it. While open, calls
 *       fail at once with {@link BlobStoreUnavailableException} without reaching the store, so a
 *       client gets the same 503 {@code blob_store_unavailable} without waiting for the store's
 *       timeouts and retries, and a failed write stores nothing, as before. After {@link
 *       BlobResilience#breakerOpenFor} a few trial calls decide whether it closes again.
 *   <li>A full bulkhead fails the call at once, also as unavailable; it is not a store failure and
 *       does not move the breaker.
 * </ul>
 *
 * <p>Metrics: {@code cmk.blob.calls} (operation, outcome), {@code cmk.blob.call.duration}
 * (operation; calls that reached the store) and {@code cmk.blob.breaker.state} (0 closed, 1
 * half-open, 2 open). Time is the injected {@link Clock}, so tests move the breaker without
 * sleeping.
 */
public final class ResilientBlobStore implements BlobStore, AutoCloseable {
  public static final String CALLS = "cmk.blob.calls";
  public static final String DURATION = "cmk.blob.call.duration";
  public static final String BREAKER_STATE = "cmk.blob.breaker.state";

  private static final Logger LOG = LoggerFactory.getLogger(ResilientBlobStore.class);

  private final BlobStore delegate;
  private final BlobResilience policy;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;

  public ResilientBlobStore(
      BlobStore delegate, BlobResilience policy, Clock clock, MeterRegistry metrics) {
    this.delegate = delegate;
    this.policy = policy;
    this.clock = clock;
    this.metrics = metrics;
    this.breaker = CircuitBreaker.of("blob-store", breakerConfig(policy, clock));
    this.bulkhead =
        Bulkhead.of(
            "blob-store",
            BulkheadConfig.custom()
                .maxConcurrentCalls(policy.maxConcurrentCalls())
                .maxWaitDuration(Duration.ZERO)
                .build());
    breaker
        .getEventPublisher()
        .onStateTransition(e -> LOG.warn("blob store circuit: {}", e.getStateTransition()));
    Gauge.builder(BREAKER_STATE, breaker, ResilientBlobStore::stateValue)
        .description("Blob store circuit breaker: 0 closed, 1 half-open, 2 open")
        .strongReference(true)
        .register(metrics);
  }

  @Override
  public void put(String key, byte[] envelope) {
    call(
        Operation.PUT,
        () -> {
          delegate.put(key, envelope);
          return Boolean.TRUE;
        },
        done -> "ok");
  }

  @Override
  public Optional<byte[]> get(String key) {
    return call(Operation.GET, () -> delegate.get(key), b -> b.isPresent() ? "ok" : "missing");
  }

  /**
   * The whole streamed write runs under one breaker permit and one bulkhead slot. A writer's own
   * failure (the client went away, content over the limit) is no store failure: it never moves the
   * breaker and is counted with outcome {@code source_error}.
   */
  @Override
  public void put(String key, BlobWriter writer) {
    call(
        Operation.PUT,
        () -> {
          delegate.put(key, writer);
          return Boolean.TRUE;
        },
        done -> "ok");
  }

  /** Guards opening the blob; reading the stream is the caller's (its errors are I/O errors). */
  @Override
  public Optional<InputStream> open(String key) {
    return call(Operation.GET, () -> delegate.open(key), b -> b.isPresent() ? "ok" : "missing");
  }

  @Override
  public void delete(String key) {
    call(
        Operation.DELETE,
        () -> {
          delegate.delete(key);
          return Boolean.TRUE;
        },
        done -> "ok");
  }

  /** Listing is the background sweeper's, not traffic's: it bypasses breaker and bulkhead. */
  @Override
  public java.util.List<Listed> list(String prefix, String startAfter, int max) {
    return delegate.list(prefix, startAfter, max);
  }

  /** Closes the wrapped store when it holds resources (an S3 client). */
  @Override
  public void close() throws Exception {
    if (delegate instanceof AutoCloseable c) {
      c.close();
    }
  }

  @Override
  public String toString() {
    return delegate.toString();
  }

  /** Runs {@code op} under the breaker and the bulkhead; {@code outcome} tags a result. */
  private <T> T call(Operation operation, Supplier<T> op, Function<T, String> outcome) {
    if (!breaker.tryAcquirePermission()) {
      count(operation, "rejected_by_breaker");
      throw new BlobStoreUnavailableException(
          operation,
          "blob store calls are paused after repeated unavailable failures; trial calls within "
              + policy.breakerOpenFor().toSeconds()
              + " s",
          null);
    }
    if (!bulkhead.tryAcquirePermission()) {
      breaker.releasePermission();
      count(operation, "rejected_by_bulkhead");
      throw new BlobStoreUnavailableException(
          operation, policy.maxConcurrentCalls() + " blob store calls are already in flight", null);
    }
    long start = clock.millis();
    Timer.Sample sample = Timer.start(metrics);
    String tag = "error";
    try {
      T result = op.get();
      tag = outcome.apply(result);
      breaker.onSuccess(clock.millis() - start, TimeUnit.MILLISECONDS);
      return result;
    } catch (RuntimeException | Error e) {
      tag = outcomeOf(e);
      // The breaker's predicates decide: only BlobStoreUnavailableException counts as a failure.
      breaker.onError(clock.millis() - start, TimeUnit.MILLISECONDS, e);
      throw e;
    } finally {
      bulkhead.onComplete();
      sample.stop(
          Timer.builder(DURATION)
              .description("Time of blob store calls that reached the store")
              .tag("operation", tag(operation))
              .register(metrics));
      count(operation, tag);
    }
  }

  private void count(Operation operation, String outcome) {
    Counter.builder(CALLS)
        .description("Blob store calls by operation and outcome")
        .tag("operation", tag(operation))
        .tag("outcome", outcome)
        .register(metrics)
        .increment();
  }

  private static String outcomeOf(Throwable e) {
    if (e instanceof BlobStoreUnavailableException) {
      return "unavailable";
    }
    if (e instanceof BlobStoreAccessDeniedException) {
      return "access_denied";
    }
    if (!(e instanceof BlobStoreException)) {
      return "source_error";
    }
    return "error";
  }

  private static String tag(Operation operation) {
    return operation.name().toLowerCase(Locale.ROOT);
  }

  private static double stateValue(CircuitBreaker b) {
    return switch (b.getState()) {
      case CLOSED, DISABLED, METRICS_ONLY -> 0;
      case HALF_OPEN -> 1;
      case OPEN, FORCED_OPEN -> 2;
    };
  }

  private static CircuitBreakerConfig breakerConfig(BlobResilience policy, Clock clock) {
    return Breakers.countBased(
        policy.breakerWindow(),
        policy.breakerMinimumCalls(),
        policy.breakerFailureRatePercent(),
        policy.breakerOpenFor(),
        policy.breakerHalfOpenCalls(),
        BlobStoreUnavailableException.class,
        clock);
  }
}
