package dev.cmk.crypto;

import static dev.cmk.crypto.Fixtures.AAD;
import static dev.cmk.crypto.Fixtures.KEK_ID;
import static dev.cmk.crypto.Fixtures.WRAPPED;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/** The encrypting stream keeps one buffer and leaves no plaintext in it once a chunk is out. */
class EncryptingOutputStreamTest {
  private static final int CHUNK = 256;

  @Test
  void gatheredChunksAreEncryptedInPlaceAndLeaveNoPlaintextBehind() throws Exception {
    byte[] pt = Fixtures.bytes(3 * CHUNK + 100, 41);
    var sink = new ByteArrayOutputStream();
    try (SecretKeyMaterial dek = Fixtures.key(41)) {
      OutputStream enc =
          ContentEnvelope.encryptingStream(
              sink, dek, KEK_ID, WRAPPED, AAD, new Fixtures.FixedRandom(41), CHUNK);
      for (int i = 0; i < pt.length; i += 7) {
        enc.write(pt, i, Math.min(7, pt.length - i)); // small writes: every chunk is gathered
      }
      byte[] buf = buffer(enc);
      assertThat(buf).hasSize(CHUNK + ChunkCipher.TAG);
      assertThat(containsRunOf(buf, pt, 0, 3 * CHUNK))
          .as("emitted chunks' plaintext is overwritten by their ciphertext")
          .isFalse();
      enc.close();
      assertThat(containsRunOf(buffer(enc), pt, 0, pt.length)).isFalse();
      try (InputStream in =
          ContentEnvelope.decryptingStream(
              new ByteArrayInputStream(sink.toByteArray()), dek, AAD)) {
        assertThat(in.readAllBytes()).isEqualTo(pt);
      }
    }
  }

  @Test
  void oneLargeWriteEncryptsFromTheCallerAndHoldsOnlyTheLastChunk() throws Exception {
    byte[] pt = Fixtures.bytes(4 * CHUNK, 42);
    var sink = new ByteArrayOutputStream();
    try (SecretKeyMaterial dek = Fixtures.key(42)) {
      OutputStream enc =
          ContentEnvelope.encryptingStream(
              sink, dek, KEK_ID, WRAPPED, AAD, new Fixtures.FixedRandom(42), CHUNK);
      enc.write(pt);
      int headerAndThreeChunks = sink.size();
      enc.close();
      assertThat(sink.size() - headerAndThreeChunks)
          .as("the last chunk waits for close()")
          .isEqualTo(CHUNK + ChunkCipher.TAG);
      assertThat(buffer(enc)).hasSize(CHUNK + ChunkCipher.TAG);
      assertThat(containsRunOf(buffer(enc), pt, 0, pt.length)).isFalse();
      assertThat(ContentEnvelope.open(dek, AAD, sink.toByteArray())).isEqualTo(pt);
    }
  }

  private static byte[] buffer(OutputStream enc) throws ReflectiveOperationException {
    Field f = EncryptingOutputStream.class.getDeclaredField("buf");
    f.setAccessible(true);
    return (byte[]) f.get(enc);
  }

  /** Whether any 8 consecutive bytes of {@code pt[from, to)} appear in {@code hay}. */
  private static boolean containsRunOf(byte[] hay, byte[] pt, int from, int to) {
    for (int p = from; p + 8 <= to; p++) {
      for (int h = 0; h + 8 <= hay.length; h++) {
        if (java.util.Arrays.equals(pt, p, p + 8, hay, h, h + 8)) {
          return true;
        }
      }
    }
    return false;
  }
}
