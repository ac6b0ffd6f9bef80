package dev.cmk.crypto;

import static dev.cmk.crypto.GoldenFileGenerator.AAD;
import static dev.cmk.crypto.GoldenFileGenerator.KEK_ID;
import static dev.cmk.crypto.GoldenFileGenerator.WRAPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Envelopes written by version 1 on 2026-11-29 must open forever (compact form 01 included, which
 * is no longer written). If this fails, the change broke the format: restore compatibility or
 * introduce a new version or form; never regenerate the files.
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
  void compactForm01GoldenFileOpens() throws IOException {
    assertCompactGoldenOpens("v1-compact.bin", EnvelopeHeader.FORM_SINGLE);
  }

  @Test
  void compactForm03GoldenFileOpens() throws IOException {
    assertCompactGoldenOpens("v1-compact-03.bin", EnvelopeHeader.FORM_COMPACT);
  }

  private static void assertCompactGoldenOpens(String name, byte form) throws IOException {
    byte[] env = golden(name);
    assertThat(env[5]).isEqualTo(form);
    byte[] expected = Arrays.copyOf(GoldenFileGenerator.plaintext(), 50);
    try (SecretKeyMaterial dek = key()) {
      assertThat(ContentEnvelope.open(dek, AAD, env)).isEqualTo(expected);
      try (InputStream in =
          ContentEnvelope.decryptingStream(new ByteArrayInputStream(env), dek, AAD)) {
        assertThat(in.readAllBytes()).isEqualTo(expected);
      }
    }
    assertThat(ContentEnvelope.readHeader(env).kekId()).isEqualTo(KEK_ID);
  }

  @Test
  void compactForm01StillRejectsEveryAlteredByte() throws IOException {
    // form 01 is no longer written, so its tamper checks run on the golden file
    byte[] env = golden("v1-compact.bin");
    int refsEnd = env.length - 50 - 16;
    try (SecretKeyMaterial dek = key()) {
      for (int pos = 0; pos < env.length; pos++) {
        if (pos >= 6 + 12 + 32 && pos < refsEnd) {
          continue; // key references: checked by the DEK unwrap, not here
        }
        byte[] t = env.clone();
        t[pos] ^= 0x01;
        assertThatThrownBy(() -> ContentEnvelope.open(dek, AAD, t))
            .as("flipped byte %d", pos)
            .isInstanceOf(DecryptionFailedException.class);
      }
      byte[] otherAad = AAD.clone();
      otherAad[0] ^= 1;
      assertThatThrownBy(() -> ContentEnvelope.open(dek, otherAad, env))
          .isInstanceOf(DecryptionFailedException.class);
    }
  }

  @Test
  void relabellingOneCompactFormAsTheOtherFailsTheCommitment() throws IOException {
    byte[] form01 = golden("v1-compact.bin");
    byte[] form03 = golden("v1-compact-03.bin");
    form01[5] = EnvelopeHeader.FORM_COMPACT;
    form03[5] = EnvelopeHeader.FORM_SINGLE;
    try (SecretKeyMaterial dek = key()) {
      assertThatThrownBy(() -> ContentEnvelope.open(dek, AAD, form01))
          .hasMessage("decryption failed: key commitment mismatch");
      assertThatThrownBy(() -> ContentEnvelope.open(dek, AAD, form03))
          .hasMessage("decryption failed: key commitment mismatch");
    }
  }

  @Test
  void detachedReferenceGoldenFilesOpen() throws IOException {
    byte[] pt = GoldenFileGenerator.plaintext();
    byte[][] expected = {pt, Arrays.copyOf(pt, 50)};
    String[] names = {"v1-detached-chunked.bin", "v1-detached-compact-03.bin"};
    byte[] forms = {EnvelopeHeader.FORM_CHUNKED, EnvelopeHeader.FORM_COMPACT};
    for (int i = 0; i < names.length; i++) {
      byte[] env = golden(names[i]);
      assertThat(env[5]).isEqualTo(forms[i]);
      ContentEnvelope.Header refs = ContentEnvelope.readHeader(env);
      assertThat(refs.detached()).isTrue();
      assertThat(refs.kekId()).isEmpty();
      assertThat(refs.wrappedDek()).isEmpty();
      try (SecretKeyMaterial dek = key()) {
        assertThat(ContentEnvelope.open(dek, AAD, env)).isEqualTo(expected[i]);
        try (InputStream in =
            ContentEnvelope.decryptingStream(new ByteArrayInputStream(env), dek, AAD)) {
          assertThat(in.readAllBytes()).isEqualTo(expected[i]);
        }
      }
    }
    // an attached envelope is not detached
    assertThat(ContentEnvelope.readHeader(golden("v1-chunked.bin")).detached()).isFalse();
  }

  @Test
  void detachingTheReferencesOfAnAttachedGoldenFileKeepsEveryChunk() throws IOException {
    byte[] env = golden("v1-chunked.bin");
    byte[] detached =
        ContentEnvelope.withKeyReferences(
            env, ContentEnvelope.DETACHED.kekId(), ContentEnvelope.DETACHED.wrappedDek());
    int refs = KEK_ID.length() + WRAPPED.length; // the two length fields stay, as zeros
    assertThat(detached.length).isEqualTo(env.length - refs);
    assertThat(ContentEnvelope.readHeader(detached).detached()).isTrue();
    try (SecretKeyMaterial dek = key()) {
      assertThat(ContentEnvelope.open(dek, AAD, detached))
          .isEqualTo(GoldenFileGenerator.plaintext());
    }
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
          .isEqualTo(golden("v1-compact-03.bin"));
    }
  }
}
