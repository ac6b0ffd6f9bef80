package dev.cmk.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Wrote the version-1 golden files under {@code src/test/resources/golden/} once each, on
 * 2026-11-29: {@code v1-chunked.bin} and {@code v1-compact.bin} (compact form 01) first, {@code
 * v1-compact-03.bin} when compact form 03 replaced form 01 as the form written; on 2026-12-07
 * {@code v1-detached-chunked.bin} and {@code v1-detached-compact-03.bin}, the same two forms with
 * detached key references (both empty: the KEK id and wrapped DEK live in the object's row).
 *
 * <p>Never run it again to make {@link GoldenFileTest} pass: a golden file that stops decrypting
 * means the format changed, which needs a new version number or form, not new golden bytes; it only
 * ever writes files that do not exist. Run from the module directory: {@code java -cp
 * target/classes:target/test-classes dev.cmk.crypto.GoldenFileGenerator}.
 */
final class GoldenFileGenerator {
  static final String KEY_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  static final String KEK_ID = "kek:acct-golden/0001/2026-11-29";
  static final byte[] WRAPPED = "golden-wrapped-dek".getBytes(StandardCharsets.US_ASCII);
  static final byte[] AAD =
      "account=acct-golden|asset=0001|object=obj-1".getBytes(StandardCharsets.US_ASCII);
  static final int CHUNK = 64;

  private GoldenFileGenerator() {}

  static byte[] plaintext() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < 300; i++) {
      sb.append("CMK golden file, line ").append(i).append(".\n");
    }
    return sb.substring(0, 300).getBytes(StandardCharsets.US_ASCII);
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of("src/test/resources/golden");
    Files.createDirectories(dir);
    byte[] pt = plaintext();
    try (SecretKeyMaterial dek = SecretKeyMaterial.copyOf(HexFormat.of().parseHex(KEY_HEX))) {
      var rnd = new Fixtures.FixedRandom(20261129);
      byte[] chunked = ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, pt, rnd, CHUNK);
      byte[] compact =
          ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, java.util.Arrays.copyOf(pt, 50), rnd);
      writeOnce(dir.resolve("v1-chunked.bin"), chunked);
      // v1-compact.bin holds form 01, written until form 03 replaced it: kept, never rewritten
      if (compact[5] != EnvelopeHeader.FORM_COMPACT) {
        throw new IllegalStateException("the encoder no longer writes compact form 03");
      }
      writeOnce(dir.resolve("v1-compact-03.bin"), compact);
      var rnd2 = new Fixtures.FixedRandom(20261207);
      ContentEnvelope.Header none = ContentEnvelope.DETACHED;
      writeOnce(
          dir.resolve("v1-detached-chunked.bin"),
          ContentEnvelope.seal(dek, none.kekId(), none.wrappedDek(), AAD, pt, rnd2, CHUNK));
      writeOnce(
          dir.resolve("v1-detached-compact-03.bin"),
          ContentEnvelope.seal(
              dek, none.kekId(), none.wrappedDek(), AAD, java.util.Arrays.copyOf(pt, 50), rnd2));
    }
  }

  /** Writes a golden file that does not exist yet; an existing one is never touched. */
  private static void writeOnce(Path file, byte[] bytes) throws IOException {
    if (!Files.exists(file)) {
      Files.write(file, bytes);
    }
  }
}
