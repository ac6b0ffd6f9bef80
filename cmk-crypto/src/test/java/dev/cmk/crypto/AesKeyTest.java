package dev.cmk.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;

/** JCA keys handed out by CMK can be wiped, and a wiped key is never usable as an all-zero key. */
class AesKeyTest {
  @Test
  void aHandedOutKeyIsItsOwnCopyAndWipeable() throws Exception {
    try (SecretKeyMaterial m = Fixtures.key(1)) {
      SecretKey k = m.aesKey();
      assertThat(k.getAlgorithm()).isEqualTo("AES");
      assertThat(k.getFormat()).isEqualTo("RAW");
      assertThat(k.getEncoded()).isEqualTo(m.copyBytes());
      k.destroy();
      assertThat(k.isDestroyed()).isTrue();
      assertThatThrownBy(k::getEncoded).isInstanceOf(IllegalStateException.class);
      assertThat(m.aesKey().getEncoded()).as("the material is untouched").isEqualTo(m.copyBytes());
    }
  }

  @Test
  void aWipedKeyCannotEncrypt() {
    AesKey k = Gcm.key(new byte[32]);
    k.destroy();
    byte[] out = new byte[16];
    assertThatThrownBy(() -> Gcm.encrypt(k, new byte[12], new byte[0], out, 0, 0, out, 0))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void neitherPrintedNorSerialized() {
    AesKey k = Gcm.key(Fixtures.bytes(32, 3));
    assertThat(k.toString()).isEqualTo("AesKey[redacted]");
    assertThatThrownBy(() -> new ObjectOutputStream(new ByteArrayOutputStream()).writeObject(k))
        .isInstanceOf(NotSerializableException.class);
  }

  @Test
  void aClosedMaterialHandsOutNoKey() {
    SecretKeyMaterial m = Fixtures.key(2);
    m.close();
    assertThatThrownBy(m::aesKey).isInstanceOf(IllegalStateException.class);
  }
}
