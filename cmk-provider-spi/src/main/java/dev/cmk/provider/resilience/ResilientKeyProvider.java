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
import dev.cmk.provider.KeyServingListener;
import dev.cmk.provider.KeyUnavailableException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards every call to a {@link KeyProvider}: a per-attempt timeout, bounded retries with full
 * jitter for {@link KeyUnavailableException} only, and per (key, region endpoint) a circuit breaker
 * and a bulkhead.
 *
 * <p><b>Failover lives here.</b> A {@link KeyRef} with replicas (an AWS multi-region key) is called
 * as one target per copy, {@code key.atReplica(id)} for the primary and each replica, each with its
 * own guard (the key id names the region: an ARN, a vault URL). One attempt tries the primary
 * first, then each replica, at once on an unavailable answer (never on a refusal); copies whose
 * breaker is open go last. So a primary region that is down never stops a replica from serving, and
 * a node that restarts during the outage serves from the replica on its first call. The {@link
 * KeyServingListener} hears which copy served (a replica: the key is degraded).
 *
 * <p><b>Probes bypass the breakers.</b> {@link #probe} always reaches the provider (an open breaker
 * would hide that a key is back), its failures are not counted by the breaker traffic uses, and a
 * probe that succeeds closes that breaker: the key serves the next request.
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

  /** One copy's guards; {@code openedAt} is the clock's millis when its breaker last opened. */
  private record Guard(CircuitBreaker breaker, Bulkhead bulkhead, AtomicLong openedAt) {}

  /** Hears every retry, e.g. to count throttling; must be quick and must not throw. */
  @FunctionalInterface
  public interface RetryListener {
    void retrying(KeyRef target, FailureReason reason);

    static RetryListener none() {
      return (target, reason) -> {};
    }
  }

  private final KeyProvider delegate;
  private final ResiliencePolicy policy;
  private final Clock clock;
  private final Sleeper sleeper;
  private final RandomGenerator random;
  private final ExecutorService workers;
  private final CircuitBreakerConfig breakerConfig;
  private final BulkheadConfig bulkheadConfig;
  private final ConcurrentMap<String, Guard> guards = new ConcurrentHashMap<>();
  private final KeyServingListener serving;
  private final RetryListener retries;

  public ResilientKeyProvider(
      KeyProvider delegate,
      ResiliencePolicy policy,
      Clock clock,
      Sleeper sleeper,
      RandomGenerator random) {
    this(delegate, policy, clock, sleeper, random, KeyServingListener.none(), RetryListener.none());
  }

  /**
   * @param serving told after every successful key use which copy of the key served
   * @param retries told before every retry, with the reason of the failure retried
   */
  public ResilientKeyProvider(
      KeyProvider delegate,
      ResiliencePolicy policy,
      Clock clock,
      Sleeper sleeper,
      RandomGenerator random,
      KeyServingListener serving,
      RetryListener retries) {
    this.serving = serving;
    this.retries = retries;
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

  /**
   * The breaker state of one copy of a key ({@code key.atReplica(id)} for a replica); {@code
   * CLOSED} for a copy not called yet.
   */
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

  /**
   * Grant calls go through this provider's guards ({@link GuardedGrants}); other capabilities
   * (key-id syntax, reading key policies) are the wrapped provider's, unguarded.
   */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    if (type == GrantSupport.class) {
      return delegate.capability(GrantSupport.class).map(g -> type.cast(new GuardedGrants(g)));
    }
    return delegate.capability(type);
  }

  @Override
  public KeyDescription describe(KeyRef key) {
    return call(key, k -> delegate.describe(k));
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    return call(key, k -> delegate.generateDataKey(k, context));
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    return call(key, k -> delegate.wrap(k, plaintext, context));
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    return call(key, k -> delegate.unwrap(k, wrapped, context));
  }

  @Override
  public byte[] rewrap(KeyRef from, byte[] wrapped, EncryptionContext context, KeyRef to) {
    return call(from, k -> delegate.rewrap(k, wrapped, context, to));
  }

  /**
   * Probes the copy {@code key} names (and its replicas, in order, if it lists any) past the
   * breakers: see the class comment. Unavailable answers are retried like traffic.
   */
  @Override
  public void probe(KeyRef key, EncryptionContext probeContext) {
    @Nullable KeyUnavailableException last = null;
    for (int attempt = 1; attempt <= policy.maxAttempts(); attempt++) {
      for (KeyRef target : targets(key)) {
        Guard guard = guard(target);
        try {
          invokeGuarded(
              target,
              guard,
              () -> {
                delegate.probe(target, probeContext);
                return Boolean.TRUE;
              });
          if (guard.breaker().getState() != CircuitBreaker.State.CLOSED) {
            LOG.info("probe reached {}: its circuit closes", target);
            guard.breaker().transitionToClosedState();
          }
          return;
        } catch (KeyUnavailableException e) {
          last = e;
        }
      }
      KeyUnavailableException failed =
          Objects.requireNonNull(last, "a key has at least one copy, each either served or failed");
      if (attempt < policy.maxAttempts() && retryable(failed)) {
        pause(key, attempt, failed);
      } else {
        break;
      }
    }
    throw Objects.requireNonNull(last, "maxAttempts is at least 1");
  }

  @Override
  public void close() {
    workers.shutdownNow();
  }

  /**
   * One logical call: up to {@code maxAttempts} passes over the key's copies (primary, then
   * replicas; open circuits last), with a jittered pause between passes.
   */
  private <T> T call(KeyRef key, Function<KeyRef, T> op) {
    return call(key, targets(key), op, true);
  }

  private <T> T call(
      KeyRef key, List<KeyRef> targets, Function<KeyRef, T> op, boolean reportServing) {
    for (int attempt = 1; ; attempt++) {
      @Nullable KeyUnavailableException last = null;
      boolean retry = false;
      for (KeyRef target : ordered(targets)) {
        try {
          T result = once(target, guard(target), () -> op.apply(target));
          if (reportServing) {
            report(key, target);
          }
          return result;
        } catch (KeyUnavailableException e) {
          retry |= retryable(e);
          // an open circuit says less than the failure of a copy that was really called
          if (last == null || retryable(e) || !retryable(last)) {
            last = e;
          }
        }
      }
      KeyUnavailableException failed =
          Objects.requireNonNull(last, "a key has at least one copy, each either served or failed");
      if (!retry || attempt >= policy.maxAttempts()) {
        throw failed;
      }
      pause(key, attempt, failed);
    }
  }

  /** The copies of a key, each as a ref of its own: the primary first, then the replicas. */
  private static List<KeyRef> targets(KeyRef key) {
    if (key.replicaKeyIds().isEmpty()) {
      return List.of(key);
    }
    List<KeyRef> out = new ArrayList<>();
    out.add(key.atReplica(key.keyId()));
    key.replicaKeyIds().forEach(r -> out.add(key.atReplica(r)));
    return out;
  }

  /**
   * Copies that may be called first; those whose circuit is open and still waiting go last (still
   * tried). A circuit whose wait is over counts as ready, so the primary gets its trial call as
   * soon as it is due, not only when every replica fails.
   */
  private List<KeyRef> ordered(List<KeyRef> targets) {
    if (targets.size() == 1) {
      return targets;
    }
    List<KeyRef> ready = new ArrayList<>();
    List<KeyRef> open = new ArrayList<>();
    long now = clock.millis();
    for (KeyRef t : targets) {
      Guard g = guards.get(t.toString());
      boolean waiting =
          g != null
              && g.breaker().getState() == CircuitBreaker.State.OPEN
              && now - g.openedAt().get() < policy.breakerOpenFor().toMillis();
      (waiting ? open : ready).add(t);
    }
    ready.addAll(open);
    return ready;
  }

  private void report(KeyRef key, KeyRef servedBy) {
    try {
      serving.served(key, servedBy.keyId(), !servedBy.keyId().equals(key.keyId()));
    } catch (RuntimeException e) {
      LOG.warn("serving listener failed for {}", key, e);
    }
  }

  private Guard guard(KeyRef target) {
    return guards.computeIfAbsent(target.toString(), this::newGuard);
  }

  private <T> T once(KeyRef key, Guard guard, Callable<T> op) {
    if (!guard.breaker().tryAcquirePermission()) {
      throw new KeyUnavailableException(
          FailureReason.CIRCUIT_OPEN,
          "CircuitOpen",
          "calls to "
              + key
              + " are paused after repeated failures; tried again within "
              + policy.breakerOpenFor().toMillis()
              + " ms");
    }
    long start = clock.millis();
    try {
      T result = invokeGuarded(key, guard, op);
      guard.breaker().onSuccess(clock.millis() - start, TimeUnit.MILLISECONDS);
      return result;
    } catch (KeyUnavailableException e) {
      if (e.reason() == FailureReason.BULKHEAD_FULL) {
        guard.breaker().releasePermission();
      } else {
        guard.breaker().onError(clock.millis() - start, TimeUnit.MILLISECONDS, e);
      }
      throw e;
    } catch (RuntimeException e) {
      // The breaker's predicates decide: only KeyUnavailableException counts as a failure.
      guard.breaker().onError(clock.millis() - start, TimeUnit.MILLISECONDS, e);
      throw e;
    }
  }

  /** The call inside the copy's bulkhead and deadline, without its breaker. */
  private <T> T invokeGuarded(KeyRef key, Guard guard, Callable<T> op) {
    if (!guard.bulkhead().tryAcquirePermission()) {
      throw new KeyUnavailableException(
          FailureReason.BULKHEAD_FULL,
          "BulkheadFull",
          policy.maxConcurrentPerKey() + " calls to " + key + " are already in flight");
    }
    return invoke(key, guard, op);
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
    return e != null
        && e.reason() != FailureReason.CIRCUIT_OPEN
        && e.reason() != FailureReason.BULKHEAD_FULL;
  }

  private void pause(KeyRef key, int attempt, KeyUnavailableException cause) {
    Duration wait = backoff(attempt);
    LOG.debug("retrying {} after {} ({}), attempt {}", key, wait, cause.reason(), attempt + 1);
    try {
      retries.retrying(key, cause.reason());
    } catch (RuntimeException e) {
      LOG.warn("retry listener failed for {}", key, e);
    }
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
    AtomicLong openedAt = new AtomicLong();
    breaker
        .getEventPublisher()
        .onStateTransition(
            e -> {
              if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                openedAt.set(clock.millis());
              }
              LOG.warn("circuit of {}: {}", name, e.getStateTransition());
            });
    return new Guard(breaker, Bulkhead.of(name, bulkheadConfig), openedAt);
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

  /**
   * Grant calls go through the same guards as key use, on exactly the copy the ref names (grants do
   * not follow a multi-region key to its replicas), and are not reported as serving.
   */
  private final class GuardedGrants implements GrantSupport {
    private final GrantSupport grants;

    GuardedGrants(GrantSupport grants) {
      this.grants = grants;
    }

    @Override
    public String createSearchGrant(
        KeyRef key, String grantName, java.util.Map<String, String> contextSubset) {
      return call(
          key, List.of(key), k -> grants.createSearchGrant(k, grantName, contextSubset), false);
    }

    @Override
    public List<Grant> listGrants(KeyRef key) {
      return call(key, List.of(key), k -> grants.listGrants(k), false);
    }

    @Override
    public void revokeGrant(KeyRef key, String grantId) {
      call(
          key,
          List.of(key),
          k -> {
            grants.revokeGrant(k, grantId);
            return Boolean.TRUE;
          },
          false);
    }
  }
}
