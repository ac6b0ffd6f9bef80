package dev.cmk.provider.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link KeyProvider} must show. A provider's test extends this class and
 * supplies a provider wired to a fake of its SDK (unit test) or to its real peer (integration
 * test).
 */
public abstract class KeyProviderContract {

  /** The provider under test. */
  protected abstract KeyProvider provider();

  /** An enabled key the platform principal may use. */
  protected abstract KeyRef usableKey();

  /** A second enabled key, different key material from {@link #usableKey()}. */
  protected abstract KeyRef otherUsableKey();

  /** A well-formed id of a key that does not exist. */
  protected abstract KeyRef missingKey();

  /** A key id that is malformed for this provider. */
  protected abstract String malformedKeyId();

  /** A disabled key, if the peer can show one. */
  protected Optional<KeyRef> disabledKey() {
    return Optional.empty();
  }

  protected EncryptionContext context(String account) {
    return EncryptionContext.forKek("cmk-test", account, "0001", "kek", "kek-1");
  }

  @Test
  void generatedDataKeyUnwrapsToTheSameBytesUnderTheSameContext() {
    try (DataKey dk = provider().generateDataKey(usableKey(), context("acct-a"));
        SecretKeyMaterial back = provider().unwrap(usableKey(), dk.wrapped(), context("acct-a"))) {
      assertThat(back.copyBytes()).isEqualTo(dk.plaintext().copyBytes());
      assertThat(dk.wrapped()).isNotEqualTo(dk.plaintext().copyBytes());
    }
  }

  @Test
  void wrapOfCallerKeyRoundTrips() {
    try (SecretKeyMaterial k = SecretKeyMaterial.random(new SecureRandom())) {
      byte[] wrapped = provider().wrap(usableKey(), k, context("acct-a"));
      try (SecretKeyMaterial back = provider().unwrap(usableKey(), wrapped, context("acct-a"))) {
        assertThat(back.copyBytes()).isEqualTo(k.copyBytes());
      }
    }
  }

  @Test
  void unwrapUnderAnotherContextFailsAsBadCiphertext() {
    try (DataKey dk = provider().generateDataKey(usableKey(), context("acct-a"))) {
      assertThatThrownBy(() -> provider().unwrap(usableKey(), dk.wrapped(), context("acct-b")))
          .isInstanceOf(BadCiphertextException.class);
      EncryptionContext extra =
          EncryptionContext.of(
              Map.of("platform", "cmk-test", "account", "acct-a", "service", "0002"));
      assertThatThrownBy(() -> provider().unwrap(usableKey(), dk.wrapped(), extra))
          .isInstanceOf(BadCiphertextException.class);
    }
  }

  @Test
  void unwrapUnderAnotherKeyFails() {
    try (DataKey dk = provider().generateDataKey(usableKey(), context("acct-a"))) {
      assertThatThrownBy(() -> provider().unwrap(otherUsableKey(), dk.wrapped(), context("acct-a")))
          .isInstanceOfAny(BadCiphertextException.class, KeyRefusedException.class);
    }
  }

  @Test
  void tamperedWrappedKeyFailsAsBadCiphertext() {
    try (DataKey dk = provider().generateDataKey(usableKey(), context("acct-a"))) {
      byte[] bad = dk.wrapped().clone();
      bad[bad.length - 1] ^= 0x01;
      assertThatThrownBy(() -> provider().unwrap(usableKey(), bad, context("acct-a")))
          .isInstanceOf(BadCiphertextException.class);
    }
  }

  @Test
  void describeReportsAnEnabledSymmetricKey() {
    var d = provider().describe(usableKey());
    assertThat(d.state()).isEqualTo(KeyState.ENABLED);
    assertThat(d.symmetricEncryption()).isTrue();
  }

  @Test
  void probeSucceedsOnAUsableKey() {
    provider().probe(usableKey(), context("probe"));
  }

  @Test
  void missingKeyIsRefusedAsNotFound() {
    assertThatThrownBy(() -> provider().generateDataKey(missingKey(), context("acct-a")))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isIn(FailureReason.NOT_FOUND, FailureReason.ACCESS_DENIED));
  }

  @Test
  void disabledKeyIsRefusedAsDisabled() {
    Optional<KeyRef> disabled = disabledKey();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        disabled.isPresent(), "this peer cannot show a disabled key");
    assertThatThrownBy(() -> provider().generateDataKey(disabled.get(), context("acct-a")))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.DISABLED));
  }

  @Test
  void malformedKeyIdIsRejectedBeforeAnyCall() {
    assertThatThrownBy(() -> syntax().checkKeyId(malformedKeyId()))
        .isInstanceOf(KeyIdFormatException.class)
        .hasMessageContaining("expected");
  }

  @Test
  void exceptionsNeverCarryKeyBytes() {
    try (DataKey dk = provider().generateDataKey(usableKey(), context("acct-a"))) {
      String hex = java.util.HexFormat.of().formatHex(dk.plaintext().copyBytes());
      assertThat(dk.toString()).doesNotContain(hex);
      byte[] bad = dk.wrapped().clone();
      bad[bad.length / 2] ^= 0x10;
      assertThatThrownBy(() -> provider().unwrap(usableKey(), bad, context("acct-a")))
          .satisfies(t -> assertThat(String.valueOf(t.getMessage())).doesNotContain(hex));
    }
  }

  @Test
  void rewrapMovesAWrappedKeyUnderAnotherKey() {
    try (DataKey dk = provider().generateDataKey(usableKey(), context("acct-a"))) {
      byte[] moved =
          provider().rewrap(usableKey(), dk.wrapped(), context("acct-a"), otherUsableKey());
      try (SecretKeyMaterial back = provider().unwrap(otherUsableKey(), moved, context("acct-a"))) {
        assertThat(back.copyBytes()).isEqualTo(dk.plaintext().copyBytes());
      }
      assertThatThrownBy(() -> provider().unwrap(usableKey(), moved, context("acct-a")))
          .isInstanceOfAny(BadCiphertextException.class, KeyRefusedException.class);
    }
  }

  @Test
  void describeOfAMissingKeyIsRefusedAsNotFound() {
    assertThatThrownBy(() -> provider().describe(missingKey()))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isIn(FailureReason.NOT_FOUND, FailureReason.ACCESS_DENIED));
  }

  @Test
  void probeOfAMissingKeyIsRefused() {
    assertThatThrownBy(() -> provider().probe(missingKey(), context("probe")))
        .isInstanceOf(KeyRefusedException.class);
  }

  @Test
  void wellFormedRegistrationsPassTheFormatCheck() {
    syntax().checkKeyId(usableKey().keyId());
    syntax().checkKeyRef(usableKey());
    syntax().checkKeyRef(otherUsableKey());
  }

  /** Every provider here checks its key ids before any call. */
  private KeyIdSyntax syntax() {
    return provider().capability(KeyIdSyntax.class).orElseThrow();
  }

  @Test
  void wrappedFormDoesNotContainThePlaintext() {
    try (DataKey dk = provider().generateDataKey(usableKey(), context("acct-a"))) {
      String wrapped = java.util.HexFormat.of().formatHex(dk.wrapped());
      String plain = java.util.HexFormat.of().formatHex(dk.plaintext().copyBytes());
      assertThat(wrapped).doesNotContain(plain.substring(0, 16));
    }
  }
}
