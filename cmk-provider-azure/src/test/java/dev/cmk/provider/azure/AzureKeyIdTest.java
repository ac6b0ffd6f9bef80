package dev.cmk.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyIdFormatException;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AzureKeyIdTest {
  private static final String V = "0123456789abcdef0123456789abcdef";

  @Test
  void parsesVaultAndManagedHsmIdentifiers() {
    AzureKeyId vault = AzureKeyId.parse("https://acme-keys.vault.azure.net/keys/cmk-root/" + V);
    assertThat(vault.kind()).isEqualTo(AzureKeyId.Kind.VAULT);
    assertThat(vault.name()).isEqualTo("cmk-root");
    assertThat(vault.version()).contains(V);
    assertThat(vault.vault().toString()).isEqualTo("https://acme-keys.vault.azure.net");
    AzureKeyId hsm = AzureKeyId.parse("https://acme.managedhsm.azure.net/keys/root");
    assertThat(hsm.kind()).isEqualTo(AzureKeyId.Kind.MANAGED_HSM);
    assertThat(hsm.version()).isEmpty();
    assertThat(hsm.withVersion(V)).isEqualTo("https://acme.managedhsm.azure.net/keys/root/" + V);
    assertThat(AzureKeyId.parse("https://acme.vault.azure.cn/keys/k/").version()).isEmpty();
  }

  @Test
  void rejectsOtherHostsSchemesAndPathsWithTheExpectedForm() {
    for (String bad :
        new String[] {
          "http://acme.vault.azure.net/keys/k",
          "https://acme.example.com/keys/k",
          "https://acme.vault.azure.net/secrets/k",
          "https://acme.vault.azure.net/keys/k/notaversion",
          "https://acme.vault.azure.net/keys/k?api-version=7.4",
          "arn:aws:kms:us-east-1:1:key/x"
        }) {
      assertThatThrownBy(() -> AzureKeyId.parse(bad))
          .as(bad)
          .isInstanceOf(KeyIdFormatException.class)
          .hasMessageContaining("expected https://{vault}.vault.azure.net/keys/{name}");
    }
  }

  @Test
  void contextIsBoundInsideTheWrappedValue() {
    EncryptionContext a = EncryptionContext.of(Map.of("account", "a"));
    EncryptionContext b = EncryptionContext.of(Map.of("account", "b"));
    try (SecretKeyMaterial k = SecretKeyMaterial.random(new SecureRandom())) {
      byte[] inner = ContextBoundWrap.boundKey(k.copyBytes(), "root", a);
      assertThat(inner).hasSize(64);
      try (SecretKeyMaterial back = ContextBoundWrap.open(inner.clone(), "ROOT", a)) {
        assertThat(back.copyBytes()).isEqualTo(k.copyBytes());
      }
      assertThatThrownBy(() -> ContextBoundWrap.open(inner.clone(), "root", b))
          .isInstanceOf(BadCiphertextException.class);
      assertThatThrownBy(() -> ContextBoundWrap.open(inner.clone(), "other", a))
          .isInstanceOf(BadCiphertextException.class);
    }
  }

  @Test
  void wrappedFormKeepsNameAndVersion() {
    byte[] blob = ContextBoundWrap.format(WrapAlgorithm.A256KW, "root", V, new byte[] {1, 2, 3});
    var parsed = ContextBoundWrap.parse(blob);
    assertThat(parsed.algorithm()).isEqualTo(WrapAlgorithm.A256KW);
    assertThat(parsed.name()).isEqualTo("root");
    assertThat(parsed.version()).isEqualTo(V);
    assertThat(parsed.ciphertext()).containsExactly(1, 2, 3);
    assertThat(blob[0]).isEqualTo((byte) 1);
  }

  @Test
  void configurationIsValidatedByName() {
    var secret = new AzureConfig.SecretSource.FromEnv("CMK_AZURE_SECRET");
    assertThatThrownBy(
            () -> AzureConfig.of("not-a-guid", "00000000-0000-0000-0000-000000000000", secret))
        .hasMessageContaining("azure.tenantId");
    var ok =
        AzureConfig.of(
            "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002", secret);
    assertThat(ok.toString()).contains("CMK_AZURE_SECRET");
  }
}
