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
  /** HKDF info of form 01, the compact form that authenticates its header as AAD (read only). */
  private static final byte[] INFO_HEADER_AAD =
      "CMK envelope v1 compact: AES-256-GCM content key, key commitment"
          .getBytes(StandardCharsets.US_ASCII);

  /** HKDF info of form 03, the compact form whose header is bound by its key (written today). */
  private static final byte[] INFO_HEADER_BOUND =
      "CMK envelope v1 compact, header bound by key: AES-256-GCM content key, key commitment"
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

  /**
   * Derives the entry of compact form {@code form} ({@link EnvelopeHeader#FORM_COMPACT} or the
   * read-only {@link EnvelopeHeader#FORM_SINGLE}); for the current form callers use {@link
   * SecretKeyMaterial#compactKeys()}, which keeps it. The two forms' keys and commitments differ,
   * so an envelope relabelled from one form to the other fails the commitment check.
   */
  static Entry derive(SecretKeyMaterial dek, int form) {
    byte[] info = form == EnvelopeHeader.FORM_COMPACT ? INFO_HEADER_BOUND : INFO_HEADER_AAD;
    byte[] raw = dek.copyBytes();
    byte[] okm = Hkdf.derive(raw, new byte[0], info, 64);
    Arrays.fill(raw, (byte) 0);
    Entry fresh =
        new Entry(Gcm.key(Arrays.copyOfRange(okm, 0, 32)), Arrays.copyOfRange(okm, 32, 64));
    Arrays.fill(okm, (byte) 0);
    return fresh;
  }
}
