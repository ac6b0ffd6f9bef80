package dev.cmk.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The small-value AES-GCM used for key wraps. */
class AesGcmTest {
  private static final byte[] AAD = {1, 2, 3};

  @Test
  void roundTripsAndBindsTheAad() {
    try (SecretKeyMaterial k = Fixtures.key(1)) {
      byte[] sealed = AesGcm.seal(k, new byte[32], AAD, new Fixtures.FixedRandom(1));
      assertThat(sealed).hasSize(AesGcm.NONCE_BYTES + 32 + AesGcm.TAG_BYTES);
      assertThat(AesGcm.open(k, sealed, AAD)).isEqualTo(new byte[32]);
      assertThatThrownBy(() -> AesGcm.open(k, sealed, new byte[] {1, 2}))
          .isInstanceOf(DecryptionFailedException.class)
          .hasMessageStartingWith("decryption failed");
    }
  }

  @Test
  void rejectsShortAndAlteredInput() {
    try (SecretKeyMaterial k = Fixtures.key(2)) {
      byte[] sealed = AesGcm.seal(k, new byte[5], AAD, new Fixtures.FixedRandom(2));
      for (int i = 0; i < sealed.length; i++) {
        byte[] t = sealed.clone();
        t[i] ^= 1;
        assertThatThrownBy(() -> AesGcm.open(k, t, AAD))
            .isInstanceOf(DecryptionFailedException.class);
      }
      assertThatThrownBy(() -> AesGcm.open(k, new byte[27], AAD))
          .hasMessage("decryption failed: ciphertext too short");
    }
  }
}
