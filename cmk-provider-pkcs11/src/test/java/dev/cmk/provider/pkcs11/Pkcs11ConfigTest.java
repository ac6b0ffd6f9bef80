package dev.cmk.provider.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.pkcs11.Pkcs11Config.PinSource;
import dev.cmk.provider.pkcs11.Pkcs11Config.TokenSelector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.ProviderException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.security.auth.login.FailedLoginException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Pkcs11ConfigTest {
  @TempDir Path dir;

  @Test
  void configurationNeverHoldsThePin() throws IOException {
    Path pinFile = dir.resolve("pin");
    Files.writeString(pinFile, "s3cret-pin\n");
    var config =
        new Pkcs11Config(
            Path.of("/lib/x.so"), new TokenSelector.ByLabel("t"), new PinSource.FromFile(pinFile));
    assertThat(config.toString()).doesNotContain("s3cret-pin");
    assertThat(new PinReader(n -> null).read(config.pin()))
        .containsExactly("s3cret-pin".toCharArray());
  }

  @Test
  void emptyPinFileIsRefused() throws IOException {
    Path pinFile = Files.writeString(dir.resolve("pin"), "\n");
    assertThatThrownBy(() -> new PinReader(n -> null).read(new PinSource.FromFile(pinFile)))
        .isInstanceOf(KeyRefusedException.class)
        .hasMessageContaining("is empty");
  }

  @Test
  void keyIdsAreLabels() {
    var p =
        new Pkcs11KeyProvider(
            new Pkcs11Config(
                Path.of("/lib/x.so"), new TokenSelector.BySlotId(1), new PinSource.FromEnv("P")),
            new SecureRandom());
    p.checkKeyId("kek-2026.eu:1");
    assertThatThrownBy(() -> p.checkKeyId("-leading-dash"))
        .isInstanceOf(KeyIdFormatException.class)
        .hasMessageContaining("CKA_LABEL");
    assertThatThrownBy(() -> p.checkKeyId("x".repeat(65))).isInstanceOf(KeyIdFormatException.class);
  }

  @Test
  void tokenSelectorsAreValidated() {
    assertThatThrownBy(() -> new TokenSelector.ByLabel(" ")).hasMessageContaining("tokenLabel");
    assertThatThrownBy(() -> new TokenSelector.ByLabel("x".repeat(33)))
        .hasMessageContaining("1-32");
    assertThatThrownBy(() -> new TokenSelector.BySlotId(-1)).hasMessageContaining("pkcs11.slot");
  }

  @Test
  void returnCodesAreClassified() {
    assertThat(classify(new ProviderException("CKR_PIN_INCORRECT")))
        .isInstanceOf(KeyRefusedException.class)
        .extracting(e -> e.reason())
        .isEqualTo(FailureReason.ACCESS_DENIED);
    assertThat(classify(new IOException("load failed", new FailedLoginException())).reason())
        .isEqualTo(FailureReason.ACCESS_DENIED);
    assertThat(
            classify(new ProviderException("x", new IOException("CKR_TOKEN_NOT_PRESENT"))).reason())
        .isEqualTo(FailureReason.NOT_FOUND);
    assertThat(classify(new ProviderException("CKR_KEY_FUNCTION_NOT_PERMITTED")).reason())
        .isEqualTo(FailureReason.INVALID_KEY_USAGE);
    assertThat(classify(new AEADBadTagException("CKR_GENERAL_ERROR")))
        .isInstanceOf(BadCiphertextException.class);
    assertThat(classify(new ProviderException("CKR_DEVICE_ERROR")))
        .isInstanceOf(KeyUnavailableException.class)
        .extracting(e -> e.providerCode())
        .isEqualTo("CKR_DEVICE_ERROR");
  }

  private static dev.cmk.provider.ProviderException classify(Throwable t) {
    return Pkcs11Errors.classify(t, "test");
  }
}
