package dev.cmk.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import dev.cmk.provider.resilience.ResiliencePolicy;
import dev.cmk.provider.resilience.ResilientKeyProvider;
import dev.cmk.provider.resilience.ResilientKeyProvider.CircuitState;
import dev.cmk.provider.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Faults moto cannot produce, injected by {@link FaultProxy} between the provider and a real {@code
 * moto_server}: error classification, retries, the circuit breaker, the bulkhead and multi-region
 * failover. Each test's display name says what the proxy emulates; everything else (keys, replicas,
 * data keys of single-region keys, describe) is moto's own answer.
 */
class AwsKmsFaultIT {
  private static final String EAST = "us-east-1";
  private static final String WEST = "us-west-2";
  private static final EncryptionContext CTX =
      EncryptionContext.forKek("cmk-test", "acct-a", "0001", "kek", "kek-1");

  private static MotoServer moto;
  private static MotoKms kms;
  private static FaultProxy proxy;
  private static KeyRef keyA;
  private static KeyRef keyB;
  private static KeyRef mrk;

  private final MutableClock clock = new MutableClock();
  private final List<String> served = new CopyOnWriteArrayList<>();
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private AwsKmsProvider aws;
  private ResilientKeyProvider resilient;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
    kms = new MotoKms(moto.endpoint());
    keyA = KeyRef.of("aws", kms.createKey(EAST, "tenant a"));
    keyB = KeyRef.of("aws", kms.createKey(EAST, "tenant b"));
    String primary = kms.createMultiRegionKey(EAST);
    String replica = kms.replicate(primary, EAST, WEST);
    mrk = new KeyRef("aws", primary, List.of(replica));
    proxy = new FaultProxy(moto.endpoint(), true);
  }

  @AfterAll
  static void stopMoto() {
    for (AutoCloseable c : new AutoCloseable[] {proxy, kms, moto}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // best effort: the next resource still has to be closed
      }
    }
  }

  @BeforeEach
  void newProvider() {
    AwsKmsConfig config =
        MotoKms.config(proxy.endpoint())
            .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(1))
            .withPrimaryRetryAfter(Duration.ofSeconds(30));
    aws =
        new AwsKmsProvider(
            config,
            (key, by, degraded) -> served.add((degraded ? "replica " : "primary ") + by),
            clock);
  }

  @AfterEach
  void heal() {
    proxy.heal();
    if (resilient != null) {
      resilient.close();
    }
    aws.close();
  }

  private ResilientKeyProvider resilient(int maxAttempts, int maxConcurrent) {
    ResiliencePolicy policy =
        new ResiliencePolicy(
            Duration.ofSeconds(10),
            maxAttempts,
            Duration.ofMillis(200),
            Duration.ofSeconds(2),
            4,
            4,
            50,
            Duration.ofSeconds(30),
            1,
            maxConcurrent);
    resilient = new ResilientKeyProvider(aws, policy, clock, waits::add, new Random(7));
    return resilient;
  }

  private static String id(KeyRef k) {
    return k.keyId().substring(k.keyId().lastIndexOf('/') + 1);
  }

  static Stream<Arguments> faults() {
    return Stream.of(
        Arguments.of(
            new FaultProxy.AwsError(400, "DisabledException", "key is disabled"),
            KeyRefusedException.class,
            FailureReason.DISABLED),
        Arguments.of(
            new FaultProxy.AwsError(400, "KMSInvalidStateException", "key is pending deletion"),
            KeyRefusedException.class,
            FailureReason.PENDING_DELETION),
        Arguments.of(
            new FaultProxy.AwsError(400, "AccessDeniedException", "not authorized"),
            KeyRefusedException.class,
            FailureReason.ACCESS_DENIED),
        Arguments.of(
            new FaultProxy.AwsError(400, "ThrottlingException", "Rate exceeded"),
            KeyUnavailableException.class,
            FailureReason.THROTTLED),
        Arguments.of(
            new FaultProxy.AwsError(503, "ServiceUnavailableException", "down"),
            KeyUnavailableException.class,
            FailureReason.PROVIDER_ERROR),
        Arguments.of(
            new FaultProxy.AwsError(500, "KMSInternalException", "oops"),
            KeyUnavailableException.class,
            FailureReason.PROVIDER_ERROR),
        Arguments.of(
            new FaultProxy.AwsError(400, "IncorrectKeyException", "wrong key"),
            BadCiphertextException.class,
            FailureReason.INVALID_CIPHERTEXT),
        Arguments.of(new FaultProxy.Drop(), KeyUnavailableException.class, FailureReason.NETWORK),
        Arguments.of(new FaultProxy.Hang(), KeyUnavailableException.class, FailureReason.TIMEOUT));
  }

  @ParameterizedTest(name = "proxy answers {0} -> {1} {2}")
  @MethodSource("faults")
  @DisplayName("classification of AWS errors, 5xx, dropped connections and hangs (all emulated)")
  void everyFaultLandsInItsFamily(
      FaultProxy.Fault fault, Class<? extends ProviderException> family, FailureReason reason) {
    proxy.failKey(id(keyA), fault);

    assertThatThrownBy(() -> aws.generateDataKey(keyA, CTX))
        .isInstanceOfSatisfying(family, e -> assertThat(e.reason()).isEqualTo(reason));
    assertThat(aws.describe(keyB).keyId()).isEqualTo(keyB.keyId()); // other keys unaffected
  }

  @Test
  @DisplayName("throttling twice (emulated) is retried with jittered waits, then moto answers")
  void throttlingIsRetriedThenSucceeds() {
    resilient(3, 4);
    proxy.failKeyTimes(id(keyA), new FaultProxy.AwsError(400, "ThrottlingException", "slow"), 2);
    int before = proxy.hitsForKey(id(keyA));

    try (DataKey dk = resilient.generateDataKey(keyA, CTX);
        SecretKeyMaterial back = resilient.unwrap(keyA, dk.wrapped(), CTX)) {
      assertThat(back.copyBytes()).isEqualTo(dk.plaintext().copyBytes());
    }
    assertThat(proxy.hitsForKey(id(keyA)) - before).isEqualTo(4); // 3 generate + 1 decrypt
    assertThat(waits).hasSize(2).allSatisfy(w -> assertThat(w).isLessThan(Duration.ofSeconds(2)));
  }

  @Test
  @DisplayName("a disabled key (refusal emulated) is asked once: no retry, no breaker count")
  void refusalIsNeverRetried() {
    resilient(3, 4);
    proxy.failKey(id(keyA), new FaultProxy.AwsError(400, "DisabledException", "disabled"));
    int before = proxy.hitsForKey(id(keyA));

    for (int i = 0; i < 6; i++) {
      assertThatThrownBy(() -> resilient.generateDataKey(keyA, CTX))
          .isInstanceOf(KeyRefusedException.class);
    }
    assertThat(proxy.hitsForKey(id(keyA)) - before).isEqualTo(6);
    assertThat(waits).isEmpty();
    assertThat(resilient.circuitState(keyA)).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  @DisplayName("503s for one key (emulated) open its breaker; KMS is not called; it closes later")
  void breakerStopsCallsToAFailingKeyAndRecovers() {
    resilient(1, 4);
    proxy.failKey(id(keyA), new FaultProxy.AwsError(503, "ServiceUnavailableException", "down"));
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> resilient.describe(keyA))
          .isInstanceOf(KeyUnavailableException.class);
    }
    int before = proxy.hitsForKey(id(keyA));

    assertThatThrownBy(() -> resilient.describe(keyA))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.CIRCUIT_OPEN));
    assertThat(proxy.hitsForKey(id(keyA))).isEqualTo(before);
    assertThat(resilient.describe(keyB).keyId()).isEqualTo(keyB.keyId());

    proxy.heal();
    clock.advance(Duration.ofSeconds(31));
    assertThat(resilient.describe(keyA).keyId()).isEqualTo(keyA.keyId());
    assertThat(resilient.circuitState(keyA)).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  @DisplayName("a hanging key (emulated) fills only its own bulkhead; another tenant's key works")
  void hangingKeyCannotStarveOtherKeys() throws Exception {
    // SDK deadline well above the time the assertions take, so the hung calls stay in flight.
    aws.close();
    aws =
        new AwsKmsProvider(
            MotoKms.config(proxy.endpoint())
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(8)),
            (key, by, degraded) -> served.add(by),
            clock);
    resilient(1, 2);
    proxy.failKey(id(keyA), new FaultProxy.Hang());
    IntSupplier hits = () -> proxy.hitsForKey(id(keyA));
    int before = hits.getAsInt();
    List<CompletableFuture<Object>> hung = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      hung.add(CompletableFuture.supplyAsync(() -> resilient.describe(keyA)));
    }
    awaitUntil(() -> hits.getAsInt() - before == 2);

    assertThatThrownBy(() -> resilient.describe(keyA))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.BULKHEAD_FULL));
    assertThat(resilient.describe(keyB).keyId()).isEqualTo(keyB.keyId());

    proxy.heal(); // the hung requests now end with a closed connection
    for (CompletableFuture<Object> f : hung) {
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(KeyUnavailableException.class);
    }
    assertThat(resilient.describe(keyA).keyId()).isEqualTo(keyA.keyId()); // permits came back
  }

  @Test
  @DisplayName(
      "MRK failover: us-east-1 down (503s emulated) -> us-west-2 replica serves, degraded ->"
          + " primary again after it returns (MRK crypto emulated: moto truncates mrk ids)")
  void multiRegionKeyFailsOverToTheReplicaAndBack() {
    String replica = mrk.replicaKeyIds().get(0);
    byte[] wrapped;
    byte[] plain;
    try (DataKey dk = aws.generateDataKey(mrk, CTX)) {
      wrapped = dk.wrapped();
      plain = dk.plaintext().copyBytes();
    }
    assertThat(served).containsExactly("primary " + mrk.keyId());

    proxy.failRegion(EAST, new FaultProxy.AwsError(503, "ServiceUnavailableException", "down"));
    try (SecretKeyMaterial back = aws.unwrap(mrk, wrapped, CTX)) {
      assertThat(back.copyBytes()).isEqualTo(plain); // primary's ciphertext, replica's answer
    }
    assertThat(served).last().isEqualTo("replica " + replica);

    int eastBefore = proxy.hits(EAST);
    try (DataKey dk = aws.generateDataKey(mrk, CTX)) {
      wrapped = dk.wrapped();
      plain = dk.plaintext().copyBytes();
    }
    assertThat(proxy.hits(EAST)).as("known-down primary is skipped").isEqualTo(eastBefore);
    assertThat(served).last().isEqualTo("replica " + replica);

    proxy.heal();
    clock.advance(Duration.ofSeconds(31));
    try (SecretKeyMaterial back = aws.unwrap(mrk, wrapped, CTX)) {
      assertThat(back.copyBytes()).isEqualTo(plain); // replica's ciphertext, primary's answer
    }
    assertThat(served).last().isEqualTo("primary " + mrk.keyId());
  }

  @Test
  @DisplayName("MRK: a refusal in the primary region (emulated) is final, never failed over")
  void refusalOnThePrimaryDoesNotFailOver() {
    proxy.failRegion(EAST, new FaultProxy.AwsError(400, "AccessDeniedException", "no"));
    int westBefore = proxy.hits(WEST);

    assertThatThrownBy(() -> aws.generateDataKey(mrk, CTX))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED));
    assertThat(proxy.hits(WEST)).isEqualTo(westBefore);
    assertThat(served).isEmpty();
  }

  @Test
  @DisplayName("MRK: both regions down (emulated) -> unavailable after trying each once")
  void everyRegionDownIsUnavailable() {
    proxy.failRegion(EAST, new FaultProxy.AwsError(503, "ServiceUnavailableException", "down"));
    proxy.failRegion(WEST, new FaultProxy.Drop());
    int east = proxy.hits(EAST);
    int west = proxy.hits(WEST);

    assertThatThrownBy(() -> aws.generateDataKey(mrk, CTX))
        .isInstanceOf(KeyUnavailableException.class);
    assertThat(proxy.hits(EAST) - east).isEqualTo(1);
    assertThat(proxy.hits(WEST) - west).isEqualTo(1);
  }

  /** Polls for requests to reach the proxy (a liveness bound, not a timing). */
  private static void awaitUntil(java.util.function.BooleanSupplier condition) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(5))
        .until(condition::getAsBoolean);
  }
}
