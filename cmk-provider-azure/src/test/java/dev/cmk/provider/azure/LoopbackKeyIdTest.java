package dev.cmk.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyRef;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Outside tests, a key id cannot make the platform call (and send tokens to) this machine. */
class LoopbackKeyIdTest {
  @Test
  void loopbackVaultsAreRefusedUnlessTheConfigurationAllowsThem() {
    assertThatThrownBy(() -> AzureKeyId.parse("https://127.0.0.1:8443/keys/root"))
        .isInstanceOf(KeyIdFormatException.class)
        .hasMessageContaining("names this machine");
    assertThatThrownBy(() -> AzureKeyId.parse("https://localhost/keys/root", false))
        .isInstanceOf(KeyIdFormatException.class);
    assertThat(AzureKeyId.parse("https://127.0.0.1:8443/keys/root", true).kind())
        .isEqualTo(AzureKeyId.Kind.LOOPBACK);
  }

  @Test
  void theProductionConfigurationRefusesLoopbackKeyIdsBeforeAnyCall() {
    AzureConfig config =
        AzureConfig.of(
            "00000000-0000-0000-0000-000000000001",
            "00000000-0000-0000-0000-000000000002",
            new AzureConfig.SecretSource.FromEnv("CMK_TEST_UNSET_SECRET"));
    assertThat(config.allowLoopbackEndpoints()).isFalse();
    assertThat(config.withLoopbackEndpoints().allowLoopbackEndpoints()).isTrue();
    AzureKeyVaultProvider provider =
        new AzureKeyVaultProvider(
            request -> {
              throw new AssertionError("no token may be asked for");
            },
            AzureClients.httpClient(Duration.ofSeconds(1), Duration.ofSeconds(1), null),
            new SecureRandom(),
            Clock.systemUTC(),
            config.allowLoopbackEndpoints());
    assertThatThrownBy(
            () -> provider.describe(KeyRef.of("azure", "https://127.0.0.1:8443/keys/root")))
        .isInstanceOf(KeyIdFormatException.class)
        .hasMessageContaining("names this machine");
  }
}
