package dev.cmk.provider.resilience;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.Grant;
import dev.cmk.provider.GrantSupport;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyUnavailableException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards every call to a {@link KeyProvider}: a per-attempt timeout, bounded retries with full
 * jitter for {@link KeyUnavailableException} only, and per key a circuit breaker and a bulkhead.
 *
 * <ul>
 *   <li>Open breaker: calls fail at once with {@link FailureReason#CIRCUIT_OPEN}.
 *   <li>Full bulkhead: the call fails at once with {@link FailureReason#BULKHEAD_FULL}, so one slow
 *       tenant key cannot take the threads other keys need.
 *   <li>Refused and bad-ciphertext errors pass straight through: never retried, never counted as
 *       breaker failures (the provider answered; the answer was no).
 * </ul>
 *
 * <p>Time, waiting and jitter are injected ({@link Clock}, {@link Sleeper}, {@link
 * RandomGenerator}) so tests run without sleeping.
 *
 * <p><b>Security:</b> a call abandoned at its deadline that later returns key material has that
 * material wiped by the worker thread; log lines name keys, never bytes.
 */
public final class ResilientKeyProvider implements KeyProvider, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResilientKeyProvider.class);

  /** A key's breaker state, for the availability view. */
  public enum CircuitState {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private record Guard(CircuitBreaker breaker, Bulkhead bulkhead) {}

  private final KeyProvider delegate;
  private final ResiliencePolicy policy;
  private final Clock clock;
  private final Sleeper sleeper;
  private final RandomGenerator random;
  private final ExecutorService workers;
  private final CircuitBreakerConfig breakerConfig;
  private final BulkheadConfig bulkheadConfig;
  private final ConcurrentMap<String, Guard> guards = new ConcurrentHashMap<>();

  public ResilientKeyProvider(
      KeyProvider delegate,
      ResiliencePolicy policy,
      Clock clock,
      Sleeper sleeper,
      RandomGenerator random) {
    this.delegate = delegate;
    this.policy = policy;
    this.clock = clock;
    this.sleeper = sleeper;
    this.random = random;
    this.workers = Executors.newCachedThreadPool(daemonThreads(delegate.kind()));
    this.breakerConfig = breakerConfig(policy, clock);
    this.bulkheadConfig =
        BulkheadConfig.custom()
            .maxConcurrentCalls(policy.maxConcurrentPerKey())
            .maxWaitDuration(Duration.ZERO)
            .build();
  }

  /** The breaker state of {@code key}; {@code CLOSED} for a key not called yet. */
  public CircuitState circuitState(KeyRef key) {
    Guard g = guards.get(key.toString());
    if (g == null) {
      return CircuitState.CLOSED;
    }
    return switch (g.breaker().getState()) {
      case OPEN, FORCED_OPEN -> CircuitState.OPEN;
      case HALF_OPEN -> CircuitState.HALF_OPEN;
      default -> CircuitState.CLOSED;
    };
  }

  @Override
  public String kind() {
    return delegate.kind();
  }

  @Override
  public void checkKeyId(String keyId) {
    delegate.checkKeyId(keyId);
  }

  @Override
  public void checkKeyRef(KeyRef key) {
    delegate.checkKeyRef(key);
  }

  @Override
  public Optional<String> regionOf(String keyId) {
    return delegate.regionOf(keyId);
  }

  /** Other capabilities (e.g. reading key policies) are the wrapped provider's, unguarded. */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    return delegate.capability(type);
  }

  @Override
  public Optional<GrantSupport> grants() {
    return delegate.grants().map(GuardedGrants::new);
  }

  @Override
  public KeyDescription describe(KeyRef key) {
    return call(key, () -> delegate.describe(key));
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    return call(key, () -> delegate.generateDataKey(key, context));
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    return call(key, () -> delegate.wrap(key, plaintext, context));
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    return call(key, () -> delegate.unwrap(key, wrapped, context));
  }

  @Override
  public byte[] rewrap(KeyRef from, byte[] wrapped, EncryptionContext context, KeyRef to) {
    return call(from, () -> delegate.rewrap(from, wrapped, context, to));
  }

  @Override
  public void probe(KeyRef key, EncryptionContext probeContext) {
    call(
        key,
        () -> {
          delegate.probe(key, probeContext);
          return Boolean.TRUE;
        });
  }

  @Override
  public void close() {
    workers.shutdownNow();
  }

  private <T> T call(KeyRef key, Callable<T> op) {
    Guard guard = guards.computeIfAbsent(key.toString(), this::newGuard);
    for (int attempt = 1; ; attempt++) {
      try {
        return once(key, guard, op);
      } catch (KeyUnavailableException e) {
        if (!retryable(e) || attempt >= policy.maxAttempts()) {
          throw e;
        }
        pause(key, attempt, e);
      }
    }
  }

  private <T> T once(KeyRef key, Guard guard, Callable<T> op) {
    if (!guard.breaker().tryAcquirePermission()) {
      throw new KeyUnavailableException(
          FailureReason.CIRCUIT_OPEN,
          "CircuitOpen",
          "calls to "
              + key
              + " are paused after repeated failures; retried within "
              + policy.breakerOpenFor().toSeconds()
              + " s");
    }
    if (!guard.bulkhead().tryAcquirePermission()) {
      guard.breaker().releasePermission();
      throw new KeyUnavailableException(
          FailureReason.BULKHEAD_FULL,
          "BulkheadFull",
          policy.maxConcurrentPerKey() + " calls to " + key + " are already in flight");
    }
    long start = clock.millis();
    try {
      T result = invoke(key, guard, op);
      guard.breaker().onSuccess(clock.millis() - start, TimeUnit.MILLISECONDS);
      return result;
    } catch (RuntimeException e) {
      // The breaker's predicates decide: only KeyUnavailableException counts as a failure.
      guard.breaker().onError(clock.millis() - start, TimeUnit.MILLISECONDS, e);
      throw e;
    }
  }

  private <T> T invoke(KeyRef key, Guard guard, Callable<T> op) {
    Runnable release = guard.bulkhead()::onComplete;
    if (policy.callTimeout().isZero()) {
      try {
        return op.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("provider call failed", e);
      } finally {
        release.run();
      }
    }
    return TimedCall.run(workers, op, release, policy.callTimeout(), key);
  }

  private static boolean retryable(KeyUnavailableException e) {
    return e.reason() != FailureReason.CIRCUIT_OPEN && e.reason() != FailureReason.BULKHEAD_FULL;
  }

  private void pause(KeyRef key, int attempt, KeyUnavailableException cause) {
    Duration wait = backoff(attempt);
    LOG.debug("retrying {} after {} ({}), attempt {}", key, wait, cause.reason(), attempt + 1);
    try {
      sleeper.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw cause;
    }
  }

  /** Full jitter: uniform in [0, min(maxBackoff, baseBackoff * 2^(attempt-1))]. */
  Duration backoff(int attempt) {
    long base = policy.baseBackoff().toMillis();
    long cap = Math.min(policy.maxBackoff().toMillis(), base << Math.min(attempt - 1, 20));
    return Duration.ofMillis(cap <= 0 ? 0 : random.nextLong(cap + 1));
  }

  private Guard newGuard(String name) {
    CircuitBreaker breaker = CircuitBreaker.of(name, breakerConfig);
    breaker
        .getEventPublisher()
        .onStateTransition(e -> LOG.warn("circuit of {}: {}", name, e.getStateTransition()));
    return new Guard(breaker, Bulkhead.of(name, bulkheadConfig));
  }

  private static CircuitBreakerConfig breakerConfig(ResiliencePolicy policy, Clock clock) {
    return Breakers.countBased(
        policy.breakerWindow(),
        policy.breakerMinimumCalls(),
        policy.breakerFailureRatePercent(),
        policy.breakerOpenFor(),
        policy.breakerHalfOpenCalls(),
        KeyUnavailableException.class,
        clock);
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String kind) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "cmk-provider-" + kind + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Grant calls go through the same guards as key use. */
  private final class GuardedGrants implements GrantSupport {
    private final GrantSupport grants;

    GuardedGrants(GrantSupport grants) {
      this.grants = grants;
    }

    @Override
    public String createSearchGrant(
        KeyRef key, String grantName, java.util.Map<String, String> contextSubset) {
      return call(key, () -> grants.createSearchGrant(key, grantName, contextSubset));
    }

    @Override
    public List<Grant> listGrants(KeyRef key) {
      return call(key, () -> grants.listGrants(key));
    }

    @Override
    public void revokeGrant(KeyRef key, String grantId) {
      call(
          key,
          () -> {
            grants.revokeGrant(key, grantId);
            return Boolean.TRUE;
          });
    }
  }
}
