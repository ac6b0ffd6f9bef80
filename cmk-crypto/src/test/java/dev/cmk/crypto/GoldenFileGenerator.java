package dev.cmk.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Wrote the version-1 golden files under {@code src/test/resources/golden/} once, on 2026-11-29.
 *
 * <p>Never run it again to make {@link GoldenFileTest} pass: a golden file that stops decrypting
 * means the format changed, which needs a new version number, not new golden bytes. Run from the
 * module directory: {@code java -cp target/classes:target/test-classes
 * dev.cmk.crypto.GoldenFileGenerator}.
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
    if (Files.exists(dir.resolve("v1-chunked.bin"))) {
      throw new IllegalStateException("golden files exist; they are never regenerated");
    }
    Files.createDirectories(dir);
    byte[] pt = plaintext();
    try (SecretKeyMaterial dek = SecretKeyMaterial.copyOf(HexFormat.of().parseHex(KEY_HEX))) {
      var rnd = new Fixtures.FixedRandom(20261129);
      Files.write(
          dir.resolve("v1-chunked.bin"),
          ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, pt, rnd, CHUNK));
      Files.write(
          dir.resolve("v1-compact.bin"),
          ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, java.util.Arrays.copyOf(pt, 50), rnd));
    }
  }
}
