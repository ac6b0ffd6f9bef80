package dev.cmk.provider.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.pkcs11.Pkcs11Config.PinSource;
import dev.cmk.provider.pkcs11.Pkcs11Config.TokenSelector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What an operator sees when the HSM configuration or the customer's token is wrong. */
@Timeout(60)
class Pkcs11FailuresIT {
  private static final KeyRef KEY = KeyRef.of("pkcs11", "fail-kek");
  private static final EncryptionContext CTX =
      EncryptionContext.forKek("cmk-test", "acct-a", "0001", "kek", "kek-1");
  private static SoftHsm hsm;
  private static Pkcs11KeyProvider good;

  @BeforeAll
  @Timeout(120)
  static void token() throws Exception {
    hsm = SoftHsm.get();
    good = new Pkcs11KeyProvider(hsm.config(SoftHsm.TOKEN, SoftHsm.PIN), new SecureRandom());
    good.createKey(KEY.keyId());
  }

  @Test
  void missingTokenIsRefusedAndNamesTheTokensSeen() throws Exception {
    var p = new Pkcs11KeyProvider(hsm.config("no-such-token", SoftHsm.PIN), new SecureRandom());
    assertThatThrownBy(() -> p.generateDataKey(KEY, CTX))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.NOT_FOUND))
        .hasMessageContaining("no PKCS#11 token labelled 'no-such-token'")
        .hasMessageContaining("'" + SoftHsm.TOKEN + "'");
  }

  @Test
  void wrongPinIsRefusedOnceAndNotRetriedUntilThePinChanges() throws Exception {
    Pkcs11Config config = hsm.config(SoftHsm.PIN_TEST_TOKEN, "9999-wrong");
    var p = new Pkcs11KeyProvider(config, new SecureRandom());
    assertThatThrownBy(() -> p.describe(KEY))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED))
        .hasMessageContaining("wrong PIN")
        .hasMessageNotContaining("9999-wrong");
    assertThatThrownBy(() -> p.describe(KEY))
        .isInstanceOf(KeyRefusedException.class)
        .hasMessageContaining("not tried again");

    Files.writeString(((PinSource.FromFile) config.pin()).file(), SoftHsm.PIN + "\n");
    assertThatThrownBy(() -> p.describe(KeyRef.of("pkcs11", "absent-on-pin-token")))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.NOT_FOUND));
  }

  @Test
  void missingKeyIsRefusedWithItsLabelAndToken() {
    assertThatThrownBy(() -> good.describe(KeyRef.of("pkcs11", "absent")))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.NOT_FOUND))
        .hasMessageContaining("no secret key labelled 'absent' in token '" + SoftHsm.TOKEN + "'");
  }

  @Test
  void missingLibraryIsRefused() throws Exception {
    var config =
        new Pkcs11Config(
            Path.of("/nonexistent/libnothing.so"),
            new TokenSelector.BySlotId(0),
            hsm.config(SoftHsm.TOKEN, SoftHsm.PIN).pin());
    var p = new Pkcs11KeyProvider(config, new SecureRandom());
    assertThatThrownBy(() -> p.describe(KEY))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.NOT_FOUND))
        .hasMessageContaining("library");
  }

  @Test
  void slotIdSelectsTheSameTokenAndPinComesFromTheEnvironment() {
    long slot = TokenLocator.slotOf(hsm.library, SoftHsm.TOKEN);
    var config =
        new Pkcs11Config(
            hsm.library, new TokenSelector.BySlotId(slot), new PinSource.FromEnv("CMK_HSM_PIN"));
    var bySlot =
        new Pkcs11KeyProvider(
            config,
            new SecureRandom(),
            new PinReader(name -> Map.of("CMK_HSM_PIN", SoftHsm.PIN).get(name)));
    try (DataKey dk = good.generateDataKey(KEY, CTX);
        SecretKeyMaterial back = bySlot.unwrap(KEY, dk.wrapped(), CTX)) {
      assertThat(back.copyBytes()).isEqualTo(dk.plaintext().copyBytes());
    }
  }

  @Test
  void unsetPinVariableIsRefused() {
    var config =
        new Pkcs11Config(
            hsm.library,
            new TokenSelector.ByLabel(SoftHsm.TOKEN),
            new PinSource.FromEnv("CMK_NO_SUCH_PIN"));
    var p = new Pkcs11KeyProvider(config, new SecureRandom(), new PinReader(name -> null));
    assertThatThrownBy(() -> p.describe(KEY))
        .isInstanceOf(KeyRefusedException.class)
        .hasMessageContaining("CMK_NO_SUCH_PIN is not set");
  }

  @Test
  void createKeyRefusesToReplaceAKey() {
    assertThatThrownBy(() -> good.createKey(KEY.keyId()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already holds");
  }
}
