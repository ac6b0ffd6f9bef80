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

  @Test
  void theDerivedKeysLiveAndDieWithTheirDek() {
    SecretKeyMaterial a = Fixtures.key(5);
    byte[] env =
        ContentEnvelope.seal(a, KEK_ID, WRAPPED, AAD, new byte[10], new Fixtures.FixedRandom(2));
    CompactKeys.Entry keys = a.compactKeys();
    assertThat(a.compactKeys()).as("derived once per DEK object").isSameAs(keys);
    assertThat(ContentEnvelope.open(a, AAD, env)).hasSize(10);
    assertThat(a.compactKeys()).isSameAs(keys);
    a.close();
    assertThat(keys.key.isDestroyed()).isTrue();
    assertThatThrownBy(keys.key::getEncoded).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(a::compactKeys).isInstanceOf(IllegalStateException.class);
    assertThat(keys.toString()).doesNotContainPattern("[0-9a-f]{16}");
  }

  @Test
  void aCompactStreamStillOpensAfterTheResolvedDekIsClosed() throws Exception {
    byte[] env;
    try (SecretKeyMaterial a = Fixtures.key(6)) {
      env =
          ContentEnvelope.seal(
              a, KEK_ID, WRAPPED, AAD, Fixtures.bytes(100, 6), new Fixtures.FixedRandom(3));
    }
    SecretKeyMaterial[] handedOut = new SecretKeyMaterial[1];
    try (var in =
        ContentEnvelope.decryptingStream(
            new java.io.ByteArrayInputStream(env), h -> handedOut[0] = Fixtures.key(6), AAD)) {
      assertThat(handedOut[0].isDestroyed()).as("the resolver's key is closed at once").isTrue();
      assertThat(in.readAllBytes()).isEqualTo(Fixtures.bytes(100, 6));
    }
  }
}
