package dev.cmk.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Project Wycheproof AES-GCM vector through {@link Gcm}, the code path the envelope uses.
 *
 * <p>Valid vectors must encrypt to the expected ciphertext and tag and decrypt back; invalid ones
 * must be refused with {@link DecryptionFailedException}. The JDK refuses a 0-length IV outright
 * (InvalidAlgorithmParameterException), which is the right answer for those invalid vectors; it
 * accepts every other IV length in the file (8 to 2056 bits) as GCM defines them.
 */
class WycheproofAesGcmTest {
  private static final HexFormat HEX = HexFormat.of();

  record Vector(
      int tcId,
      String flags,
      byte[] key,
      byte[] iv,
      byte[] aad,
      byte[] msg,
      byte[] ct,
      byte[] tag,
      String result) {
    @Override
    public String toString() {
      return "tc" + tcId + " " + result + " iv=" + iv.length * 8 + " key=" + key.length * 8 + flags;
    }
  }

  /** The vectors, copied unmodified from Project Wycheproof into test resources (Apache 2.0). */
  static final String VECTORS = "/wycheproof/aes_gcm_test.json";

  static List<Vector> vectors() throws IOException {
    JsonNode root;
    try (var in = WycheproofAesGcmTest.class.getResourceAsStream(VECTORS)) {
      if (in == null) {
        throw new IllegalStateException("test resource " + VECTORS + " is missing");
      }
      root = new ObjectMapper().readTree(in);
    }
    List<Vector> out = new ArrayList<>();
    for (JsonNode g : root.get("testGroups")) {
      for (JsonNode t : g.get("tests")) {
        out.add(
            new Vector(
                t.get("tcId").asInt(),
                t.get("flags").toString(),
                hex(t, "key"),
                hex(t, "iv"),
                hex(t, "aad"),
                hex(t, "msg"),
                hex(t, "ct"),
                hex(t, "tag"),
                t.get("result").asText()));
      }
    }
    return out;
  }

  private static byte[] hex(JsonNode t, String field) {
    return HEX.parseHex(t.get(field).asText());
  }

  static Stream<Vector> validVectors() throws IOException {
    return vectors().stream().filter(v -> v.result().equals("valid"));
  }

  static Stream<Vector> invalidVectors() throws IOException {
    return vectors().stream().filter(v -> !v.result().equals("valid"));
  }

  @Test
  void fileHoldsAllVectors() throws IOException {
    JsonNode root;
    try (var in = WycheproofAesGcmTest.class.getResourceAsStream(VECTORS)) {
      if (in == null) {
        throw new IllegalStateException("test resource " + VECTORS + " is missing");
      }
      root = new ObjectMapper().readTree(in);
    }
    assertThat(vectors()).hasSize(root.get("numberOfTests").asInt()).hasSize(316);
    assertThat(vectors()).allMatch(v -> v.tag().length == Gcm.TAG_BYTES);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validVectors")
  void validVectorEncryptsAndDecrypts(Vector v) {
    byte[] sealed = new byte[v.msg().length + Gcm.TAG_BYTES];
    Gcm.encrypt(Gcm.key(v.key()), v.iv(), v.aad(), v.msg(), 0, v.msg().length, sealed, 0);
    assertThat(sealed).isEqualTo(concat(v.ct(), v.tag()));

    byte[] opened = new byte[v.msg().length];
    int n = Gcm.decrypt(Gcm.key(v.key()), v.iv(), v.aad(), sealed, 0, sealed.length, opened, 0);
    assertThat(n).isEqualTo(v.msg().length);
    assertThat(opened).isEqualTo(v.msg());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidVectors")
  void invalidVectorIsRejected(Vector v) {
    byte[] sealed = concat(v.ct(), v.tag());
    byte[] out = new byte[v.ct().length];
    assertThatThrownBy(
            () -> Gcm.decrypt(Gcm.key(v.key()), v.iv(), v.aad(), sealed, 0, sealed.length, out, 0))
        .isInstanceOf(DecryptionFailedException.class)
        .hasMessageStartingWith("decryption failed");
  }

  @Test
  void emptyIvIsRefusedForEncryptionToo() {
    byte[] out = new byte[Gcm.TAG_BYTES];
    assertThatThrownBy(
            () -> Gcm.encrypt(Gcm.key(new byte[32]), new byte[0], new byte[0], out, 0, 0, out, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = new byte[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
