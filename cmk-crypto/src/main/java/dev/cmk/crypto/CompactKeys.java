package dev.cmk.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Content key and commitment of the compact single-chunk form, which depend on the DEK alone.
 *
 * <p>They are derived once per {@link SecretKeyMaterial} object and kept inside it ({@link
 * SecretKeyMaterial#compactKeys()}), so a key that seals or opens many small messages pays the
 * derivation once, as a Tink {@code Aead} pays its key setup once; closing the key destroys them.
 *
 * <p><b>Security:</b> the derived bytes live in a wipeable {@link AesKey} and a private array, both
 * wiped when the DEK is closed; nothing is cached outside the DEK object (an earlier per-thread
 * cache kept a derived key reachable after its DEK was closed).
 */
final class CompactKeys {
  private static final byte[] INFO =
      "CMK envelope v1 compact: AES-256-GCM content key, key commitment"
          .getBytes(StandardCharsets.US_ASCII);

  private CompactKeys() {}

  /** The compact form's content key and commitment for one DEK. */
  static final class Entry {
    final AesKey key;
    private final byte[] commitment;

    private Entry(AesKey key, byte[] commitment) {
      this.key = key;
      this.commitment = commitment;
    }

    /** Copies the commitment into {@code out} at {@code off}. */
    void writeCommitment(byte[] out, int off) {
      System.arraycopy(commitment, 0, out, off, commitment.length);
    }

    /** Constant-time comparison with {@code value[off, off+32)}. */
    boolean commitsTo(byte[] value, int off) {
      return EnvelopeHeader.equalsAt(commitment, value, off);
    }

    void destroy() {
      key.destroy();
      Arrays.fill(commitment, (byte) 0);
    }

    @Override
    public String toString() {
      return "CompactKeys.Entry[redacted]";
    }
  }

  /** Derives the entry; callers use {@link SecretKeyMaterial#compactKeys()}, which keeps it. */
  static Entry derive(SecretKeyMaterial dek) {
    byte[] raw = dek.copyBytes();
    byte[] okm = Hkdf.derive(raw, new byte[0], INFO, 64);
    Arrays.fill(raw, (byte) 0);
    Entry fresh =
        new Entry(Gcm.key(Arrays.copyOfRange(okm, 0, 32)), Arrays.copyOfRange(okm, 32, 64));
    Arrays.fill(okm, (byte) 0);
    return fresh;
  }
}
