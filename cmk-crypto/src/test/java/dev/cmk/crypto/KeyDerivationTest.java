package dev.cmk.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class KeyDerivationTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] KEY =
      HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

  @Test
  void deriveIsHkdfSha256WithAnEmptySaltAndDistinctLabelsGiveDistinctKeys() {
    try (SecretKeyMaterial k = SecretKeyMaterial.copyOf(KEY);
        SecretKeyMaterial a = KeyDerivation.derive(k, "purpose-a".getBytes(UTF_8));
        SecretKeyMaterial b = KeyDerivation.derive(k, "purpose-b".getBytes(UTF_8))) {
      assertThat(a.copyBytes())
          .isEqualTo(Hkdf.derive(KEY, new byte[0], "purpose-a".getBytes(UTF_8), 32));
      assertThat(a.copyBytes()).isNotEqualTo(b.copyBytes()).isNotEqualTo(KEY);
    }
  }

  @Test
  void hmacMatchesTheJdksOwnHmacSha256() throws Exception {
    byte[] data = "what do ya want for nothing?".getBytes(UTF_8);
    Mac ref = Mac.getInstance("HmacSHA256");
    ref.init(new SecretKeySpec(KEY, "HmacSHA256"));
    try (SecretKeyMaterial k = SecretKeyMaterial.copyOf(KEY)) {
      assertThat(KeyDerivation.hmacSha256(k, data)).isEqualTo(ref.doFinal(data)).hasSize(32);
    }
  }

  @Test
  void aWipedKeyCannotBeUsed() {
    SecretKeyMaterial k = SecretKeyMaterial.copyOf(KEY);
    k.close();
    assertThatThrownBy(() -> KeyDerivation.hmacSha256(k, new byte[1]))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> KeyDerivation.derive(k, new byte[1]))
        .isInstanceOf(IllegalStateException.class);
  }
}
