package dev.cmk.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.testkit.KeyProviderContract;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * The provider contract on Managed HSM {@code oct-HSM} keys (A256KW wrap), with the real SDK
 * against a {@link KeyVaultStub} whose bearer challenge names the Managed HSM resource.
 */
@Timeout(60)
class AzureManagedHsmIT extends KeyProviderContract {
  private static final List<TokenRequestContext> TOKEN_REQUESTS = new CopyOnWriteArrayList<>();
  private static KeyVaultStub stub;
  private static AzureKeyVaultProvider provider;

  @BeforeAll
  @Timeout(120)
  static void start() throws Exception {
    TestTls tls = TestTls.create(Files.createTempDirectory("cmk-mhsm"));
    stub = new KeyVaultStub(tls.server(), "https://managedhsm.azure.net");
    stub.addOctKey("hsm-a");
    stub.addOctKey("hsm-b");
    provider =
        new AzureKeyVaultProvider(
            request -> {
              TOKEN_REQUESTS.add(request);
              return Mono.just(
                  new AccessToken(KeyVaultStub.TOKEN, OffsetDateTime.now().plusHours(1)));
            },
            AzureClients.httpClient(Duration.ofSeconds(2), Duration.ofSeconds(5), tls.client()),
            new SecureRandom(),
            Clock.systemUTC(),
            true);
  }

  @AfterAll
  static void stop() {
    stub.close();
  }

  private static KeyRef ref(String name) {
    return KeyRef.of("azure", stub.vaultUrl() + "/keys/" + name);
  }

  @Override
  protected KeyProvider provider() {
    return provider;
  }

  @Override
  protected KeyRef usableKey() {
    return ref("hsm-a");
  }

  @Override
  protected KeyRef otherUsableKey() {
    return ref("hsm-b");
  }

  @Override
  protected KeyRef missingKey() {
    return ref("nope");
  }

  @Override
  protected String malformedKeyId() {
    return "https://acme.managedhsm.azure.net/secrets/hsm-a";
  }

  @Test
  void wrapsWithA256kwAndAsksForAManagedHsmToken() {
    try (DataKey dk = provider.generateDataKey(usableKey(), context("acct-a"))) {
      assertThat(ContextBoundWrap.parse(dk.wrapped()).algorithm()).isEqualTo(WrapAlgorithm.A256KW);
    }
    assertThat(provider.describe(usableKey()).keySpec()).isEqualTo("oct-HSM");
    assertThat(TOKEN_REQUESTS)
        .anySatisfy(
            r ->
                assertThat(r.getScopes()).containsExactly("https://managedhsm.azure.net/.default"));
  }
}
