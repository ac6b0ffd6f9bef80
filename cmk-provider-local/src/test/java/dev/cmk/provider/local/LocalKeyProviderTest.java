package dev.cmk.provider.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.testkit.KeyProviderContract;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKeyProviderTest extends KeyProviderContract {
  @TempDir Path dir;
  private LocalKeyProvider provider;

  @BeforeEach
  void setUp() {
    provider =
        new LocalKeyProvider(dir.resolve("keys.p12"), "pw".toCharArray(), new SecureRandom());
    provider.createKey("alpha");
    provider.createKey("beta");
    provider.createKey("off");
    provider.setEnabled("off", false);
  }

  @Override
  protected KeyProvider provider() {
    return provider;
  }

  @Override
  protected KeyRef usableKey() {
    return KeyRef.of("local", "alpha");
  }

  @Override
  protected KeyRef otherUsableKey() {
    return KeyRef.of("local", "beta");
  }

  @Override
  protected KeyRef missingKey() {
    return KeyRef.of("local", "nope");
  }

  @Override
  protected String malformedKeyId() {
    return "arn:aws:kms:us-east-1:1:key/x";
  }

  @Override
  protected Optional<KeyRef> disabledKey() {
    return Optional.of(KeyRef.of("local", "off"));
  }

  @Test
  void aSimulatedOutageIsUnavailableNotRefusedAndEndsWhenTheKeyIsReachableAgain() {
    KeyRef alpha = usableKey();
    try (DataKey before = provider.generateDataKey(alpha, context("acct-a"))) {
      provider.setReachable("alpha", false);
      assertThatThrownBy(() -> provider.unwrap(alpha, before.wrapped(), context("acct-a")))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class,
              e -> assertThat(e.reason()).isEqualTo(FailureReason.NETWORK))
          .hasMessageContaining("simulated outage");
      assertThatThrownBy(() -> provider.probe(alpha, context("acct-a")))
          .isInstanceOf(KeyUnavailableException.class);
      assertThat(provider.describe(otherUsableKey()).state())
          .as("other keys are unaffected")
          .isEqualTo(KeyState.ENABLED);

      provider.setReachable("alpha", true);
      try (SecretKeyMaterial back = provider.unwrap(alpha, before.wrapped(), context("acct-a"))) {
        assertThat(back.copyBytes()).isEqualTo(before.plaintext().copyBytes());
      }
    }
  }

  @Test
  void aKeyDisabledAfterUseIsRefusedAtOnceAndServesAgainOnceEnabled() {
    KeyRef alpha = usableKey();
    try (DataKey before = provider.generateDataKey(alpha, context("acct-a"))) {
      // the key's bytes are now held in memory (read once from the keystore): its state is not
      provider.setEnabled("alpha", false);
      assertThatThrownBy(() -> provider.unwrap(alpha, before.wrapped(), context("acct-a")))
          .isInstanceOfSatisfying(
              KeyRefusedException.class,
              e -> assertThat(e.reason()).isEqualTo(FailureReason.DISABLED));
      assertThatThrownBy(() -> provider.generateDataKey(alpha, context("acct-a")))
          .isInstanceOf(KeyRefusedException.class);

      provider.setEnabled("alpha", true);
      try (SecretKeyMaterial back = provider.unwrap(alpha, before.wrapped(), context("acct-a"))) {
        assertThat(back.copyBytes()).isEqualTo(before.plaintext().copyBytes());
      }
    }
  }
}
