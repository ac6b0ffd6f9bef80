package dev.cmk.crypto;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.spec.GCMParameterSpec;
import org.jspecify.annotations.Nullable;

/**
 * The content key of one version-1 envelope, and the per-chunk AES-GCM calls under it.
 *
 * <p>Chunked form: the content key and the commitment come from one HKDF-SHA256 call over the DEK
 * and the message's 32-byte salt. Chunk {@code i} uses the nonce {@code 0x000000 || i (8 bytes) ||
 * last (1 byte)} and the associated data {@code authenticated header || caller AAD} (built once per
 * message), so every chunk authenticates the header, its own position and whether it ends the
 * message.
 *
 * <p>Compact forms: the key and commitment come from the DEK alone and the form ({@link
 * CompactKeys}); the single chunk uses the header's random 96-bit nonce. Form 03 (written today)
 * passes the caller's AAD alone, its header being bound by the form-specific key, the commitment
 * check and the nonce; form 01 (read only) passes {@code header || caller AAD}.
 *
 * <p><b>Security:</b> a chunked message's content key is wiped by {@link #close()}; a compact
 * message's belongs to its DEK and is wiped when the DEK is closed, unless this cipher derived it
 * for itself (a stream, or form 01), when {@link #close()} wipes it.
 */
final class ChunkCipher implements AutoCloseable {
  static final int TAG = Gcm.TAG_BYTES;
  private static final byte[] INFO =
      "CMK envelope v1: AES-256-GCM content key, key commitment"
          .getBytes(StandardCharsets.US_ASCII);

  private final AesKey key;
  private final boolean ownsKey;
  private final byte[] aad;
  private final @Nullable GCMParameterSpec fixedNonce;

  private ChunkCipher(
      AesKey key, boolean ownsKey, byte[] aad, @Nullable GCMParameterSpec fixedNonce) {
    this.key = key;
    this.ownsKey = ownsKey;
    this.aad = aad;
    this.fixedNonce = fixedNonce;
  }

  /**
   * For sealing the compact form: the one chunk under the DEK's compact key and the nonce at {@code
   * nonce[off, off+12)}; {@code aad} is the caller's.
   */
  static ChunkCipher compact(CompactKeys.Entry keys, byte[] nonce, int off, byte[] aad) {
    return compact(keys, false, nonce, off, aad);
  }

  private static ChunkCipher compact(
      CompactKeys.Entry keys, boolean owned, byte[] nonce, int off, byte[] aad) {
    return new ChunkCipher(keys.key, owned, aad, Gcm.nonce(nonce, off, EnvelopeHeader.NONCE_BYTES));
  }

  /** The content key and the commitment, {@code [key, commitment]}; the caller wipes both. */
  static byte[][] derive(SecretKeyMaterial dek, byte[] salt) {
    byte[] raw = dek.copyBytes();
    byte[] okm = Hkdf.derive(raw, salt, INFO, 64);
    Arrays.fill(raw, (byte) 0);
    byte[][] out = {Arrays.copyOfRange(okm, 0, 32), Arrays.copyOfRange(okm, 32, 64)};
    Arrays.fill(okm, (byte) 0);
    return out;
  }

  /**
   * For encrypting the chunked form: takes ownership of {@code contentKey} from {@link #derive};
   * {@code aad} is the authenticated header followed by the caller's AAD.
   */
  static ChunkCipher chunked(byte[] contentKey, byte[] aad) {
    return new ChunkCipher(Gcm.key(contentKey), true, aad, null);
  }

  /**
   * For decryption: checks the key commitment before any chunk is touched.
   *
   * @param outlivesDek the cipher will be used after {@code dek} is closed (a stream): a compact
   *     key is then derived for the cipher alone instead of taken from the DEK
   */
  static ChunkCipher forDecryption(
      SecretKeyMaterial dek, EnvelopeHeader header, byte[] aad, boolean outlivesDek) {
    if (header.compact()) {
      boolean current = header.form() == EnvelopeHeader.FORM_COMPACT;
      // the current form's keys live with the DEK; a stream that outlives the DEK, or the
      // read-only form 01, gets keys of its own, destroyed with this cipher
      boolean owned = outlivesDek || !current;
      CompactKeys.Entry keys = owned ? CompactKeys.derive(dek, header.form()) : dek.compactKeys();
      if (!keys.commitsTo(header.bytes(), header.commitmentOffset())) {
        if (owned) {
          keys.destroy();
        }
        throw new DecryptionFailedException("decryption failed: key commitment mismatch");
      }
      // a stream keeps its own copy: the caller may reuse its array while the stream is read
      byte[] chunkAad = !current ? header.chunkAad(aad) : outlivesDek ? aad.clone() : aad;
      return compact(keys, owned, header.bytes(), header.saltOffset(), chunkAad);
    }
    byte[][] keys = derive(dek, header.salt());
    try {
      if (!EnvelopeHeader.equalsAt(keys[1], header.bytes(), header.commitmentOffset())) {
        Arrays.fill(keys[0], (byte) 0);
        throw new DecryptionFailedException("decryption failed: key commitment mismatch");
      }
      return chunked(keys[0], header.chunkAad(aad));
    } finally {
      Arrays.fill(keys[1], (byte) 0);
    }
  }

  static byte[] nonce(long index, boolean last) {
    byte[] n = new byte[12];
    for (int i = 0; i < 8; i++) {
      n[3 + i] = (byte) (index >>> (56 - 8 * i));
    }
    n[11] = (byte) (last ? 1 : 0);
    return n;
  }

  private GCMParameterSpec chunkNonce(long index, boolean last) {
    if (fixedNonce == null) {
      return Gcm.nonce(nonce(index, last), 0, 12);
    }
    if (index != 0 || !last) {
      throw new DecryptionFailedException("decryption failed: compact form holds one chunk");
    }
    return fixedNonce;
  }

  int seal(long index, boolean last, byte[] in, int off, int len, byte[] out, int outOff) {
    return Gcm.encrypt(key, chunkNonce(index, last), aad, in, off, len, out, outOff);
  }

  int open(long index, boolean last, byte[] in, int off, int len, byte[] out, int outOff) {
    return Gcm.decrypt(key, chunkNonce(index, last), aad, in, off, len, out, outOff);
  }

  /** Wipes the content key unless it belongs to a DEK (the compact form's, kept by the DEK). */
  @Override
  public void close() {
    if (ownsKey) {
      key.destroy();
    }
  }
}
