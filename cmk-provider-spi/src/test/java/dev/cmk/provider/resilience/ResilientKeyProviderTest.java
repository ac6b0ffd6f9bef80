package dev.cmk.provider.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.resilience.ResilientKeyProvider.CircuitState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ResilientKeyProviderTest {
  private static final KeyRef A = KeyRef.of("fake", "key-a");
  private static final KeyRef B = KeyRef.of("fake", "key-b");
  private static final EncryptionContext CTX =
      EncryptionContext.forKek("cmk-test", "acct", "0001", "kek", "k1");

  private final FakeKeyProvider fake = new FakeKeyProvider();
  private final MutableClock clock = new MutableClock();
  private final List<Duration> waits = new ArrayList<>();
  private ResilientKeyProvider provider;

  @AfterEach
  void tearDown() {
    if (provider != null) {
      provider.close();
    }
  }

  /** Inline calls, 3 attempts, breaker opens at 50% of at least 4 calls, 2 in flight per key. */
  private ResilientKeyProvider build(Duration callTimeout, int maxAttempts) {
    ResiliencePolicy policy =
        new ResiliencePolicy(
            callTimeout,
            maxAttempts,
            Duration.ofMillis(100),
            Duration.ofMillis(400),
            4,
            4,
            50,
            Duration.ofSeconds(30),
            1,
            2);
    provider = new ResilientKeyProvider(fake, policy, clock, waits::add, new Random(42));
    return provider;
  }

  private static KeyUnavailableException throttled() {
    return new KeyUnavailableException(FailureReason.THROTTLED, "ThrottlingException", "slow down");
  }

  @Test
  void unavailableErrorsAreRetriedWithBoundedJitteredWaits() {
    build(Duration.ZERO, 3);
    fake.fail(A, throttled(), throttled());

    provider.describe(A);

    assertThat(fake.calls(A)).isEqualTo(3);
    assertThat(waits).hasSize(2);
    assertThat(waits.get(0)).isBetween(Duration.ZERO, Duration.ofMillis(100));
    assertThat(waits.get(1)).isBetween(Duration.ZERO, Duration.ofMillis(200));
  }

  @Test
  void retriesStopAtMaxAttemptsAndTheLastErrorSurfaces() {
    build(Duration.ZERO, 3);
    fake.fail(A, throttled(), throttled(), throttled(), throttled());

    assertThatThrownBy(() -> provider.describe(A))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.THROTTLED));
    assertThat(fake.calls(A)).isEqualTo(3);
  }

  @Test
  void jitterIsReproducibleFromTheSeedAndCappedByMaxBackoff() {
    build(Duration.ZERO, 3);
    List<Duration> first = new ArrayList<>();
    for (int attempt = 1; attempt <= 8; attempt++) {
      first.add(provider.backoff(attempt));
    }
    provider.close();
    build(Duration.ZERO, 3);
    for (int attempt = 1; attempt <= 8; attempt++) {
      assertThat(provider.backoff(attempt)).isEqualTo(first.get(attempt - 1));
    }
    assertThat(first).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(400)));
    assertThat(first).doesNotHaveDuplicates();
  }

  @Test
  void refusedErrorsAreNeitherRetriedNorCountedByTheBreaker() {
    build(Duration.ZERO, 3);
    for (int i = 0; i < 10; i++) {
      fake.fail(A, new KeyRefusedException(FailureReason.DISABLED, "DisabledException", "off"));
      assertThatThrownBy(() -> provider.describe(A)).isInstanceOf(KeyRefusedException.class);
    }
    assertThat(fake.calls(A)).isEqualTo(10);
    assertThat(waits).isEmpty();
    assertThat(provider.circuitState(A)).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void badCiphertextIsNeitherRetriedNorCountedByTheBreaker() {
    build(Duration.ZERO, 3);
    for (int i = 0; i < 10; i++) {
      fake.fail(
          A, new BadCiphertextException(FailureReason.INVALID_CIPHERTEXT, "Invalid", "tampered"));
      assertThatThrownBy(() -> provider.unwrap(A, new byte[32], CTX))
          .isInstanceOf(BadCiphertextException.class);
    }
    assertThat(fake.calls(A)).isEqualTo(10);
    assertThat(provider.circuitState(A)).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  @DisplayName("breaker opens per key, fails fast without calling, half-opens on the clock, closes")
  void breakerOpensFailsFastAndRecoversOnTheInjectedClock() {
    build(Duration.ZERO, 1);
    fake.fail(A, throttled(), throttled(), throttled(), throttled());
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> provider.describe(A)).isInstanceOf(KeyUnavailableException.class);
    }
    assertThat(provider.circuitState(A)).isEqualTo(CircuitState.OPEN);

    assertThatThrownBy(() -> provider.describe(A))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.CIRCUIT_OPEN));
    assertThat(fake.calls(A)).isEqualTo(4);
    provider.describe(B); // another tenant's key is not affected

    clock.advance(Duration.ofSeconds(31)); // this test's policy: open for 30 s
    provider.describe(A);
    assertThat(provider.circuitState(A)).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void openBreakerIsNotRetried() {
    build(Duration.ZERO, 1);
    fake.fail(A, throttled(), throttled(), throttled(), throttled());
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> provider.describe(A)).isInstanceOf(KeyUnavailableException.class);
    }
    provider.close();
    build(Duration.ZERO, 3);
    waits.clear();
    fake.fail(A, throttled(), throttled(), throttled(), throttled(), throttled(), throttled());
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> provider.describe(A)).isInstanceOf(KeyUnavailableException.class);
    }
    assertThat(provider.circuitState(A)).isEqualTo(CircuitState.OPEN);
    int before = fake.calls(A);
    int waitsBefore = waits.size();
    assertThatThrownBy(() -> provider.describe(A))
        .hasFieldOrPropertyWithValue("reason", FailureReason.CIRCUIT_OPEN);
    assertThat(fake.calls(A)).isEqualTo(before);
    assertThat(waits).hasSize(waitsBefore);
  }

  @Test
  @DisplayName("a hung key fills its own bulkhead; other keys still get through")
  void slowKeyFillsOnlyItsOwnBulkhead() throws Exception {
    build(Duration.ofSeconds(10), 1);
    CountDownLatch release = fake.hang(A);
    List<CompletableFuture<Object>> inFlight = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      inFlight.add(CompletableFuture.supplyAsync(() -> provider.describe(A)));
    }
    awaitCalls(A, 2);

    assertThatThrownBy(() -> provider.describe(A))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.BULKHEAD_FULL));
    assertThat(provider.describe(B).keyId()).isEqualTo("key-b");

    release.countDown();
    for (CompletableFuture<Object> f : inFlight) {
      f.get(5, TimeUnit.SECONDS);
    }
    provider.describe(A);
  }

  @Test
  @DisplayName("a call past its deadline is unavailable/TIMEOUT and its late key is wiped")
  void deadlineTurnsAHangIntoTimeoutAndWipesTheLateKey() throws Exception {
    // The only real wait in this class: a 50 ms deadline, needed to prove the deadline is hard.
    build(Duration.ofMillis(50), 1);
    CountDownLatch release = fake.hang(A);

    assertThatThrownBy(() -> provider.generateDataKey(A, CTX))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.TIMEOUT));

    release.countDown();
    DataKey late =
        await("the late key issued")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(1))
            .until(() -> fake.lastIssued, k -> k != null);
    await("the late key wiped")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(1))
        .until(() -> late.plaintext().isDestroyed());
  }

  @Test
  void interruptedBackoffStopsRetrying() {
    ResiliencePolicy policy = ResiliencePolicy.defaults();
    provider =
        new ResilientKeyProvider(
            fake,
            policy,
            clock,
            d -> {
              throw new InterruptedException();
            },
            new Random(1));
    fake.fail(A, throttled(), throttled());
    assertThatThrownBy(() -> provider.describe(A)).isInstanceOf(KeyUnavailableException.class);
    assertThat(fake.calls(A)).isEqualTo(1);
    assertThat(Thread.interrupted()).isTrue();
  }

  @Test
  void policyRejectsNonsense() {
    assertThatThrownBy(
            () ->
                new ResiliencePolicy(
                    Duration.ZERO, 0, Duration.ZERO, Duration.ZERO, 1, 1, 50, Duration.ZERO, 1, 1))
        .hasMessageContaining("maxAttempts");
  }

  private static final KeyRef MRK =
      new KeyRef(
          "fake",
          "arn:aws:kms:us-east-1:1:key/mrk-1",
          List.of("arn:aws:kms:us-west-2:1:key/mrk-1"));
  private static final KeyRef EAST = MRK.atReplica(MRK.keyId());
  private static final KeyRef WEST = MRK.atReplica(MRK.replicaKeyIds().get(0));

  private static KeyUnavailableException down() {
    return new KeyUnavailableException(FailureReason.NETWORK, "NetworkError", "refused");
  }

  private final List<String> served = new ArrayList<>();
  private final List<FailureReason> retried = new ArrayList<>();

  private ResilientKeyProvider buildWithListeners(int maxAttempts) {
    build(Duration.ZERO, maxAttempts);
    provider.close();
    ResiliencePolicy policy =
        new ResiliencePolicy(
            Duration.ZERO,
            maxAttempts,
            Duration.ofMillis(100),
            Duration.ofMillis(400),
            4,
            4,
            50,
            Duration.ofSeconds(1),
            1,
            2);
    provider =
        new ResilientKeyProvider(
            fake,
            policy,
            clock,
            waits::add,
            new Random(42),
            (key, by, degraded) -> served.add((degraded ? "replica " : "primary ") + by),
            (target, reason) -> retried.add(reason));
    return provider;
  }

  @Test
  @DisplayName("per (key, region): a down primary fails over at once, its breaker alone opens")
  void downPrimaryFailsOverToTheReplicaWithoutWaitingAndOnlyItsCircuitOpens() {
    buildWithListeners(3);
    fake.fail(EAST, down(), down(), down(), down()); // the 4 calls that open its breaker
    for (int i = 0; i < 6; i++) {
      provider.unwrap(MRK, new byte[32], CTX);
    }
    assertThat(waits).isEmpty(); // the replica answered in the same attempt
    assertThat(served).hasSize(6).allMatch(s -> s.equals("replica " + WEST.keyId()));
    assertThat(provider.circuitState(EAST)).isEqualTo(CircuitState.OPEN);
    assertThat(provider.circuitState(WEST)).isEqualTo(CircuitState.CLOSED);
    int eastCalls = fake.calls(EAST);
    provider.unwrap(MRK, new byte[32], CTX); // open primary: skipped, replica first
    assertThat(fake.calls(EAST)).isEqualTo(eastCalls);
    assertThat(served).last().isEqualTo("replica " + WEST.keyId());

    clock.advance(Duration.ofMillis(1001)); // the primary is back and its wait is over
    provider.unwrap(MRK, new byte[32], CTX);
    assertThat(fake.calls(EAST)).isEqualTo(eastCalls + 1); // the trial goes to the primary first
    assertThat(served).last().isEqualTo("primary " + EAST.keyId());
    assertThat(provider.circuitState(EAST)).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  @DisplayName("an open circuit lets one trial through after 1 s; the primary serves again")
  void openCircuitTriesTheCopyAgainAfterOneSecond() {
    buildWithListeners(1);
    fake.fail(A, down(), down(), down(), down());
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> provider.describe(A)).isInstanceOf(KeyUnavailableException.class);
    }
    assertThatThrownBy(() -> provider.describe(A))
        .hasFieldOrPropertyWithValue("reason", FailureReason.CIRCUIT_OPEN);
    clock.advance(Duration.ofMillis(1001));
    provider.describe(A);
    assertThat(provider.circuitState(A)).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  @DisplayName("probe failures do not open the traffic breaker; a probe that succeeds closes it")
  void probesBypassTheBreakerAndASuccessfulProbeClosesIt() {
    buildWithListeners(1);
    for (int i = 0; i < 8; i++) {
      fake.fail(A, down());
      assertThatThrownBy(() -> provider.probe(A, CTX)).isInstanceOf(KeyUnavailableException.class);
    }
    assertThat(provider.circuitState(A)).isEqualTo(CircuitState.CLOSED);

    fake.fail(A, down(), down(), down(), down());
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> provider.describe(A)).isInstanceOf(KeyUnavailableException.class);
    }
    assertThat(provider.circuitState(A)).isEqualTo(CircuitState.OPEN);
    provider.probe(A, CTX); // reaches the key although its circuit is open
    assertThat(provider.circuitState(A)).isEqualTo(CircuitState.CLOSED);
    provider.describe(A);
  }

  @Test
  @DisplayName("throttling is retried with jitter and reported; persistent throttling: unavailable")
  void throttlingIsRetriedAndReportedAndPersistentThrottlingIsUnavailable() {
    buildWithListeners(3);
    fake.fail(A, throttled(), throttled(), throttled());
    assertThatThrownBy(() -> provider.describe(A))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.THROTTLED));
    assertThat(retried).containsExactly(FailureReason.THROTTLED, FailureReason.THROTTLED);
    assertThat(waits).hasSize(2);
  }

  @Test
  @DisplayName("a refusal on the primary is final: the replica is not asked")
  void refusalOnThePrimaryIsNotFailedOver() {
    buildWithListeners(3);
    fake.fail(
        EAST, new KeyRefusedException(FailureReason.DISABLED, "DisabledException", "disabled"));
    assertThatThrownBy(() -> provider.unwrap(MRK, new byte[32], CTX))
        .isInstanceOf(KeyRefusedException.class);
    assertThat(fake.calls(WEST)).isZero();
  }

  /** Polls for worker threads to arrive (a liveness bound, not a timing). */
  private void awaitCalls(KeyRef key, int n) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(1))
        .until(() -> fake.calls(key) >= n);
    assertThat(fake.calls(key)).isEqualTo(n);
  }
}
