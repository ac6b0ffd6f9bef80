package dev.cmk.provider.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.DataKey;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.oci.OciVaultStub.State;
import dev.cmk.provider.testkit.KeyProviderContract;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The provider contract and OCI's failure cases, with the real OCI SDK client against {@link
 * OciVaultStub}.
 */
@Timeout(60)
class OciKeyProviderIT extends KeyProviderContract {
  private static Path dir;
  private static OciTestKeys keys;
  private static OciVaultStub stub;
  private static OciKeyProvider provider;
  private static String keyA;
  private static String keyB;
  private static String disabled;
  private static String deleting;

  @BeforeAll
  @Timeout(120)
  static void start() throws Exception {
    dir = Files.createTempDirectory("cmk-oci");
    keys = OciTestKeys.create(dir);
    stub = new OciVaultStub(keys.pair().getPublic(), keys.signingKeyId());
    keyA = stub.createKey(State.ENABLED);
    keyB = stub.createKey(State.ENABLED);
    disabled = stub.createKey(State.DISABLED);
    deleting = stub.createKey(State.PENDING_DELETION);
    provider = new OciKeyProvider(config(keys, Duration.ofSeconds(5)));
  }

  @AfterAll
  static void stop() {
    provider.close();
    stub.close();
  }

  private static OciConfig config(OciTestKeys k, Duration readTimeout) {
    return new OciConfig(
        OciTestKeys.TENANCY,
        OciTestKeys.USER,
        k.fingerprint(),
        k.pem(),
        Duration.ofSeconds(2),
        readTimeout,
        true);
  }

  private static KeyRef ref(String ocid) {
    return KeyRef.of(
        "oci",
        ocid + ";crypto=" + stub.cryptoEndpoint() + ";management=" + stub.managementEndpoint());
  }

  @Override
  protected KeyProvider provider() {
    return provider;
  }

  @Override
  protected KeyRef usableKey() {
    return ref(keyA);
  }

  @Override
  protected KeyRef otherUsableKey() {
    return ref(keyB);
  }

  @Override
  protected KeyRef missingKey() {
    return ref("ocid1.key.oc1.iad.stubvault.doesnotexist");
  }

  @Override
  protected String malformedKeyId() {
    return "ocid1.vault.oc1.iad.stubvault.x;crypto=https://x-crypto.kms.us-ashburn-1.oraclecloud.com";
  }

  @Override
  protected Optional<KeyRef> disabledKey() {
    return Optional.of(ref(disabled));
  }

  @Test
  void everyRequestCarriesAVerifiedOciSignatureAndTheLoggingContext() {
    int before = stub.verifiedRequests();
    try (DataKey dk = provider.generateDataKey(usableKey(), context("acct-sig"))) {
      provider.unwrap(usableKey(), dk.wrapped(), context("acct-sig")).close();
    }
    assertThat(stub.verifiedRequests()).isGreaterThanOrEqualTo(before + 2);
    assertThat(stub.loggingContexts())
        .anySatisfy(lc -> assertThat(lc).containsEntry("account", "acct-sig"));
  }

  @Test
  void aRequestSignedWithAnotherKeyIsRefusedAsAccessDenied() throws Exception {
    OciTestKeys other = OciTestKeys.create(dir);
    OciTestKeys impostor = new OciTestKeys(other.pair(), other.pem(), keys.fingerprint());
    try (OciKeyProvider p = new OciKeyProvider(config(impostor, Duration.ofSeconds(5)))) {
      assertThatThrownBy(() -> p.generateDataKey(usableKey(), context("acct-a")))
          .isInstanceOfSatisfying(
              KeyRefusedException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED);
                assertThat(e.providerCode()).isEqualTo("NotAuthenticated");
              });
    }
  }

  @Test
  void describeReadsStateShapeAndRegion() {
    var d = provider.describe(usableKey());
    assertThat(d.keySpec()).isEqualTo("AES_256 (HSM)");
    assertThat(d.region()).contains("iad");
    assertThat(provider.describe(ref(disabled)).state()).isEqualTo(KeyState.DISABLED);
    assertThat(provider.describe(ref(deleting)).state()).isEqualTo(KeyState.PENDING_DELETION);
  }

  @Test
  void keyPendingDeletionIsRefusedAsPendingDeletion() {
    assertThatThrownBy(() -> provider.generateDataKey(ref(deleting), context("acct-a")))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.PENDING_DELETION));
  }

  @Test
  void throttlingAndServerErrorsAreUnavailable() {
    stub.failNext(429);
    assertThatThrownBy(() -> provider.generateDataKey(usableKey(), context("acct-a")))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.THROTTLED));
    stub.failNext(503);
    assertThatThrownBy(() -> provider.describe(usableKey()))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.PROVIDER_ERROR));
  }

  @Test
  void aSlowVaultTimesOut() {
    try (OciKeyProvider p = new OciKeyProvider(config(keys, Duration.ofMillis(500)))) {
      stub.delay(2_000);
      assertThatThrownBy(() -> p.generateDataKey(usableKey(), context("acct-a")))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class,
              e -> assertThat(e.reason()).isIn(FailureReason.TIMEOUT, FailureReason.NETWORK));
    } finally {
      stub.delay(0);
    }
  }

  @Test
  void anUnreachableVaultIsUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    URI dead = URI.create("http://127.0.0.1:" + port);
    KeyRef key = KeyRef.of("oci", keyA + ";crypto=" + dead + ";management=" + dead);
    assertThatThrownBy(() -> provider.generateDataKey(key, context("acct-a")))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.NETWORK));
  }

  @Test
  void anUnreadableApiKeyIsRefused() {
    OciTestKeys missing = new OciTestKeys(keys.pair(), dir.resolve("nope.pem"), keys.fingerprint());
    try (OciKeyProvider p = new OciKeyProvider(config(missing, Duration.ofSeconds(5)))) {
      assertThatThrownBy(() -> p.describe(usableKey()))
          .isInstanceOfSatisfying(
              KeyRefusedException.class,
              e -> assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED))
          .hasMessageContaining("nope.pem")
          .extracting(e -> ((KeyRefusedException) e).providerCode())
          .isEqualTo("ApiKeyUnreadable");
    }
  }
}
