package dev.cmk.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.testkit.KeyProviderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * The provider contract and Key Vault's failure cases, with the real Azure SDK clients against
 * {@link KeyVaultStub} over HTTPS.
 */
@Timeout(60)
class AzureKeyVaultProviderIT extends KeyProviderContract {
  private static final List<TokenRequestContext> TOKEN_REQUESTS = new CopyOnWriteArrayList<>();
  private static TestTls tls;
  private static KeyVaultStub stub;
  private static AzureKeyVaultProvider provider;
  private static String betaVersion;

  @BeforeAll
  @Timeout(120)
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("cmk-azure");
    tls = TestTls.create(dir);
    stub = new KeyVaultStub(tls.server());
    stub.addKey("alpha", true);
    betaVersion = stub.addKey("beta", true);
    stub.addKey("off", true);
    stub.addKey("off", false);
    stub.addVersion("signonly", true, List.of("sign", "verify"), null);
    stub.addVersion("old", true, List.of("wrapKey", "unwrapKey"), 1_000_000_000L);
    stub.addKey("locked", true);
    stub.forbid("locked");
    provider = provider(Duration.ofSeconds(5), recording());
  }

  @AfterAll
  static void stop() {
    stub.close();
  }

  private static TokenCredential recording() {
    return request -> {
      TOKEN_REQUESTS.add(request);
      return Mono.just(new AccessToken(KeyVaultStub.TOKEN, OffsetDateTime.now().plusHours(1)));
    };
  }

  private static AzureKeyVaultProvider provider(Duration readTimeout, TokenCredential credential) {
    return new AzureKeyVaultProvider(
        credential,
        AzureClients.httpClient(Duration.ofSeconds(2), readTimeout, tls.client()),
        new SecureRandom(),
        Clock.systemUTC(),
        true);
  }

  private static KeyRef ref(String nameAndVersion) {
    return KeyRef.of("azure", stub.vaultUrl() + "/keys/" + nameAndVersion);
  }

  @Override
  protected KeyProvider provider() {
    return provider;
  }

  @Override
  protected KeyRef usableKey() {
    return ref("alpha");
  }

  @Override
  protected KeyRef otherUsableKey() {
    return ref("beta/" + betaVersion);
  }

  @Override
  protected KeyRef missingKey() {
    return ref("nope");
  }

  @Override
  protected String malformedKeyId() {
    return "https://myvault.example.com/keys/alpha";
  }

  @Override
  protected Optional<KeyRef> disabledKey() {
    return Optional.of(ref("off"));
  }

  @Test
  void answersTheBearerChallengeWithATokenForTheVaultScopeAndTenant() {
    // The SDK keeps the challenge it learned per vault host for the whole process, so only the
    // first client to reach the stub sees the 401.
    provider(Duration.ofSeconds(5), recording()).describe(usableKey());
    assertThat(stub.challengesSent()).isPositive();
    assertThat(TOKEN_REQUESTS)
        .anySatisfy(
            r -> {
              assertThat(r.getScopes()).containsExactly("https://vault.azure.net/.default");
              assertThat(r.getTenantId()).isEqualTo(KeyVaultStub.TENANT);
            });
  }

  @Test
  void unwrapKeepsWorkingAfterTheCustomerRotatesTheKey() throws Exception {
    stub.addKey("rotating", true);
    KeyRef key = ref("rotating");
    try (DataKey before = provider.generateDataKey(key, context("acct-a"))) {
      String v2 = stub.addKey("rotating", true);
      try (SecretKeyMaterial back = provider.unwrap(key, before.wrapped(), context("acct-a"));
          DataKey after = provider.generateDataKey(key, context("acct-a"))) {
        assertThat(back.copyBytes()).isEqualTo(before.plaintext().copyBytes());
        assertThat(ContextBoundWrap.parse(after.wrapped()).version()).isEqualTo(v2);
      }
    }
  }

  @Test
  void describeReadsTypeOperationsExpiryAndDisabledState() {
    var alpha = provider.describe(usableKey());
    assertThat(alpha.keySpec()).isEqualTo("RSA-HSM");
    assertThat(alpha.keyId()).startsWith(stub.vaultUrl() + "/keys/alpha/");
    assertThat(provider.describe(ref("signonly")).symmetricEncryption()).isFalse();
    var old = provider.describe(ref("old"));
    assertThat(old.state()).isEqualTo(KeyState.DISABLED);
    assertThat(old.keySpec()).contains("expires 2001-09-09");
    assertThat(provider.describe(ref("off")).state()).isEqualTo(KeyState.DISABLED);
  }

  @Test
  void missingPermissionIsRefusedAsAccessDenied() {
    assertThatThrownBy(() -> provider.generateDataKey(ref("locked"), context("acct-a")))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED);
              assertThat(e.providerCode()).isEqualTo("Forbidden");
            });
  }

  @Test
  void aKeyWithoutWrapOperationsIsRefused() {
    assertThatThrownBy(() -> provider.generateDataKey(ref("signonly"), context("acct-a")))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.INVALID_KEY_USAGE));
  }

  @Test
  void aCredentialThatCannotSignInIsRefusedAsAccessDenied() {
    TokenCredential broken =
        r -> Mono.error(new ClientAuthenticationException("AADSTS7000215: invalid secret", null));
    AzureKeyVaultProvider p = provider(Duration.ofSeconds(5), broken);
    assertThatThrownBy(() -> p.generateDataKey(usableKey(), context("acct-a")))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED));
  }

  @Test
  void aTokenTheVaultRejectsIsRefusedAsAccessDenied() {
    TokenCredential wrong =
        r -> Mono.just(new AccessToken("not-the-token", OffsetDateTime.now().plusHours(1)));
    AzureKeyVaultProvider p = provider(Duration.ofSeconds(5), wrong);
    assertThatThrownBy(() -> p.describe(usableKey()))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED));
  }

  @Test
  void throttlingAndServerErrorsAreUnavailable() {
    provider.describe(usableKey());
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
    AzureKeyVaultProvider p = provider(Duration.ofMillis(500), recording());
    try {
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
  void aWrappedKeyOfAnotherFormatIsBadCiphertextBeforeAnyCall() {
    assertThatThrownBy(() -> provider.unwrap(usableKey(), new byte[] {9, 9, 9}, context("a")))
        .isInstanceOf(BadCiphertextException.class)
        .hasMessageContaining("format");
  }
}
