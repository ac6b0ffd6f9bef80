package dev.cmk.crypto;

import static dev.cmk.crypto.GoldenFileGenerator.AAD;
import static dev.cmk.crypto.GoldenFileGenerator.KEK_ID;
import static dev.cmk.crypto.GoldenFileGenerator.WRAPPED;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Envelopes written by version 1 on 2026-11-29 must open forever. If this fails, the change broke
 * the format: restore compatibility or introduce version 2; never regenerate the files.
 */
class GoldenFileTest {

  private static byte[] golden(String name) throws IOException {
    try (InputStream in = GoldenFileTest.class.getResourceAsStream("/golden/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static SecretKeyMaterial key() {
    return SecretKeyMaterial.copyOf(HexFormat.of().parseHex(GoldenFileGenerator.KEY_HEX));
  }

  @Test
  void chunkedGoldenFileOpens() throws IOException {
    byte[] env = golden("v1-chunked.bin");
    assertThat(env[5]).isEqualTo(EnvelopeHeader.FORM_CHUNKED);
    byte[] expected = GoldenFileGenerator.plaintext();
    try (SecretKeyMaterial dek = key()) {
      assertThat(ContentEnvelope.open(dek, AAD, env)).isEqualTo(expected);
      try (InputStream in =
          ContentEnvelope.decryptingStream(new ByteArrayInputStream(env), dek, AAD)) {
        assertThat(in.readAllBytes()).isEqualTo(expected);
      }
    }
    assertThat(ContentEnvelope.readHeader(env).kekId()).isEqualTo(KEK_ID);
    assertThat(ContentEnvelope.readHeader(env).wrappedDek()).isEqualTo(WRAPPED);
  }

  @Test
  void compactGoldenFileOpens() throws IOException {
    byte[] env = golden("v1-compact.bin");
    assertThat(env[5]).isEqualTo(EnvelopeHeader.FORM_SINGLE);
    try (SecretKeyMaterial dek = key()) {
      assertThat(ContentEnvelope.open(dek, AAD, env))
          .isEqualTo(Arrays.copyOf(GoldenFileGenerator.plaintext(), 50));
    }
    assertThat(ContentEnvelope.readHeader(env).kekId()).isEqualTo(KEK_ID);
  }

  @Test
  void encoderStillWritesTheGoldenBytes() throws IOException {
    // The same key, inputs and random bytes must give the same envelope: pins the encoder too.
    var rnd = new Fixtures.FixedRandom(20261129);
    try (SecretKeyMaterial dek = key()) {
      byte[] pt = GoldenFileGenerator.plaintext();
      assertThat(
              ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, pt, rnd, GoldenFileGenerator.CHUNK))
          .isEqualTo(golden("v1-chunked.bin"));
      assertThat(ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, Arrays.copyOf(pt, 50), rnd))
          .isEqualTo(golden("v1-compact.bin"));
    }
  }
}
