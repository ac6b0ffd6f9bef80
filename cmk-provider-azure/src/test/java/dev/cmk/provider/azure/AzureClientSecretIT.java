package dev.cmk.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.azure.AzureConfig.SecretSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The production credential path: the provider signs in with its client secret (the real Azure
 * identity SDK and MSAL) at {@link IdentityStub} and presents the token it got to {@link
 * KeyVaultStub}. Both listen on 127.0.0.1 only; the authority host is the SDK's own option.
 */
@Timeout(60)
class AzureClientSecretIT {
  private static final String CLIENT_ID = "0f5a8a3c-6a43-4c2e-9d0f-1b2c3d4e5f60";
  private static final String SECRET = "right~Secret.value-0123456789";
  private static final EncryptionContext CONTEXT =
      EncryptionContext.forKek("cmk-test", "acct-a", "0001", "kek", "kek-1");

  private static Path dir;
  private static TestTls tls;
  private static KeyVaultStub vault;
  private static IdentityStub identity;

  @BeforeAll
  @Timeout(120)
  static void start() throws Exception {
    dir = Files.createTempDirectory("cmk-azure-secret");
    tls = TestTls.create(dir);
    vault = new KeyVaultStub(tls.server());
    vault.addKey("alpha", true);
    identity = new IdentityStub(tls.server(), CLIENT_ID, SECRET, KeyVaultStub.TOKEN);
  }

  @AfterAll
  static void stop() {
    identity.close();
    vault.close();
  }

  @Test
  void signsInWithTheClientSecretAndWrapsWithTheTokenItGot() throws Exception {
    AzureKeyVaultProvider provider = provider("right.secret", SECRET);
    KeyRef key = KeyRef.of("azure", vault.vaultUrl() + "/keys/alpha");
    try (DataKey dk = provider.generateDataKey(key, CONTEXT);
        SecretKeyMaterial back = provider.unwrap(key, dk.wrapped(), CONTEXT)) {
      assertThat(back.copyBytes()).isEqualTo(dk.plaintext().copyBytes());
    }
    assertThat(identity.requests())
        .filteredOn(r -> r.form().containsKey("client_secret"))
        .isNotEmpty()
        .allSatisfy(
            r -> {
              assertThat(r.method()).isEqualTo("POST");
              assertThat(r.path()).isEqualTo("/" + KeyVaultStub.TENANT + "/oauth2/v2.0/token");
              assertThat(r.form())
                  .containsEntry("grant_type", "client_credentials")
                  .containsEntry("client_id", CLIENT_ID)
                  .containsEntry("client_secret", SECRET);
              assertThat(IdentityStub.resourceScopes(r.form()))
                  .containsExactly("https://vault.azure.net/.default");
            });
    assertThat(vault.bearerTokensSeen())
        .hasSizeGreaterThanOrEqualTo(2) // at least the wrap and the unwrap
        .containsOnly(KeyVaultStub.TOKEN);
  }

  @Test
  void aWrongSecretIsRefusedAsAMisconfigurationNotAnOutage() throws Exception {
    AzureKeyVaultProvider provider = provider("wrong.secret", "wrong~Secret.value-9876543210");
    KeyRef key = KeyRef.of("azure", vault.vaultUrl() + "/keys/alpha");
    int tokensBefore = vault.bearerTokensSeen().size();
    assertThatThrownBy(() -> provider.generateDataKey(key, CONTEXT))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED);
              assertThat(e.providerCode()).isEqualTo("SignIn:invalid_client");
            })
        .hasMessageContaining("AADSTS7000215")
        .hasMessageNotContaining("wrong~Secret");
    assertThat(identity.requests())
        .anySatisfy(
            r ->
                assertThat(r.form())
                    .containsEntry("client_secret", "wrong~Secret.value-9876543210"));
    assertThat(vault.bearerTokensSeen()).hasSize(tokensBefore);
  }

  private static AzureKeyVaultProvider provider(String file, String secret) throws Exception {
    Path secretFile = Files.writeString(dir.resolve(file), secret + "\n");
    AzureConfig config =
        new AzureConfig(
            KeyVaultStub.TENANT,
            CLIENT_ID,
            new SecretSource.FromFile(secretFile),
            Duration.ofSeconds(2),
            Duration.ofSeconds(5));
    return AzureKeyVaultProvider.create(
        config, new SecureRandom(), identity.authorityHost(), tls.client());
  }
}
