package dev.cmk.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * Content key and commitment of the compact single-chunk form, which depend on the DEK alone.
 *
 * <p><b>Security:</b> derived afresh on every call and never cached: in the service every object
 * has its own DEK, so a cache would only keep a derived content key reachable after its DEK was
 * closed. (An earlier per-thread cache helped only benchmarks that reuse one DEK; see
 * BENCHMARKS.md.)
 */
final class CompactKeys {
  private static final byte[] INFO =
      "CMK envelope v1 compact: AES-256-GCM content key, key commitment"
          .getBytes(StandardCharsets.US_ASCII);

  private CompactKeys() {}

  /** The compact form's content key and commitment for one DEK. */
  static final class Entry {
    final SecretKey key;
    private final byte[] commitment;

    private Entry(SecretKey key, byte[] commitment) {
      this.key = key;
      this.commitment = commitment;
    }

    byte[] commitment() {
      return commitment.clone();
    }

    boolean commitsTo(byte[] value) {
      return java.security.MessageDigest.isEqual(commitment, value);
    }
  }

  static Entry of(SecretKeyMaterial dek) {
    byte[] raw = dek.copyBytes();
    byte[] okm = Hkdf.derive(raw, new byte[0], INFO, 64);
    Arrays.fill(raw, (byte) 0);
    Entry fresh =
        new Entry(Gcm.key(Arrays.copyOfRange(okm, 0, 32)), Arrays.copyOfRange(okm, 32, 64));
    Arrays.fill(okm, (byte) 0);
    return fresh;
  }
}
