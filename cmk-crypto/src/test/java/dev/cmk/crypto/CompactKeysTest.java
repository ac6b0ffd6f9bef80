package dev.cmk.crypto;

import static dev.cmk.crypto.Fixtures.AAD;
import static dev.cmk.crypto.Fixtures.KEK_ID;
import static dev.cmk.crypto.Fixtures.WRAPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Compact-form keys are the DEK's own: never another DEK's, never a closed DEK's. */
class CompactKeysTest {
  @Test
  void alternatingDeksNeverShareAKey() {
    var rnd = new Fixtures.FixedRandom(9);
    try (SecretKeyMaterial a = Fixtures.key(1);
        SecretKeyMaterial b = Fixtures.key(2)) {
      byte[] ea = ContentEnvelope.seal(a, KEK_ID, WRAPPED, AAD, new byte[10], rnd);
      byte[] eb = ContentEnvelope.seal(b, KEK_ID, WRAPPED, AAD, new byte[10], rnd);
      assertThatThrownBy(() -> ContentEnvelope.open(b, AAD, ea))
          .hasMessage("decryption failed: key commitment mismatch");
      assertThatThrownBy(() -> ContentEnvelope.open(a, AAD, eb))
          .hasMessage("decryption failed: key commitment mismatch");
      assertThat(ContentEnvelope.open(a, AAD, ea)).hasSize(10);
      assertThat(ContentEnvelope.open(b, AAD, eb)).hasSize(10);
    }
  }

  @Test
  void equalKeyBytesInAnotherObjectGiveTheSameKey() {
    var rnd = new Fixtures.FixedRandom(10);
    byte[] env;
    try (SecretKeyMaterial a = Fixtures.key(3)) {
      env = ContentEnvelope.seal(a, KEK_ID, WRAPPED, AAD, new byte[10], rnd);
    }
    try (SecretKeyMaterial again = Fixtures.key(3)) {
      assertThat(ContentEnvelope.open(again, AAD, env)).hasSize(10);
    }
  }

  @Test
  void aClosedDekIsNotServedFromTheCache() {
    SecretKeyMaterial a = Fixtures.key(4);
    ContentEnvelope.seal(a, KEK_ID, WRAPPED, AAD, new byte[10], new Fixtures.FixedRandom(1));
    a.close();
    assertThatThrownBy(
            () ->
                ContentEnvelope.seal(
                    a, KEK_ID, WRAPPED, AAD, new byte[10], new Fixtures.FixedRandom(1)))
        .isInstanceOf(IllegalStateException.class);
  }
}
