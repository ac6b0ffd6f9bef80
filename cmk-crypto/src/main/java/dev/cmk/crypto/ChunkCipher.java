package dev.cmk.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * The per-message content key of a version-1 envelope, and the per-chunk AES-GCM calls under it.
 *
 * <p>Chunked form: the content key and the commitment come from one HKDF-SHA256 call over the DEK
 * and the message's 32-byte salt. Compact form: they come from the DEK alone ({@link CompactKeys})
 * and the single chunk uses the header's random 96-bit nonce. Chunk {@code i} uses the nonce {@code
 * 0x000000 || i (8 bytes) || last (1 byte)} and the associated data {@code authenticated header ||
 * caller AAD}, so every chunk authenticates the header, its own position and whether it ends the
 * message.
 *
 * <p><b>Security:</b> the raw derived bytes are wiped once the JCA key object is built; that object
 * (a {@code SecretKeySpec}) cannot be wiped on Java 17 and lives as long as this instance.
 */
final class ChunkCipher {
  static final int TAG = Gcm.TAG_BYTES;
  private static final byte[] INFO =
      "CMK envelope v1: AES-256-GCM content key, key commitment"
          .getBytes(StandardCharsets.US_ASCII);

  private final SecretKey key;
  private final byte[][] aads;
  private final byte[] fixedNonce;

  private ChunkCipher(SecretKey key, byte[] authenticatedHeader, byte[] aad, byte[] fixedNonce) {
    this.key = key;
    this.aads = new byte[][] {authenticatedHeader, aad.clone()};
    this.fixedNonce = fixedNonce;
  }

  /** For the compact form: one chunk under the DEK's compact key and the header's random nonce. */
  static ChunkCipher compact(
      CompactKeys.Entry keys, byte[] nonce, byte[] authenticatedHeader, byte[] aad) {
    return new ChunkCipher(keys.key, authenticatedHeader, aad, nonce.clone());
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

  /** For encryption: keys derived by {@link #derive} for a header just built. */
  static ChunkCipher forEncryption(byte[] contentKey, byte[] authenticatedHeader, byte[] aad) {
    ChunkCipher c = new ChunkCipher(Gcm.key(contentKey), authenticatedHeader, aad, null);
    Arrays.fill(contentKey, (byte) 0);
    return c;
  }

  /** For decryption: checks the key commitment before any chunk is touched. */
  static ChunkCipher forDecryption(SecretKeyMaterial dek, EnvelopeHeader header, byte[] aad) {
    if (header.form() == EnvelopeHeader.FORM_SINGLE) {
      CompactKeys.Entry keys = CompactKeys.of(dek);
      if (!keys.commitsTo(header.commitment())) {
        throw new DecryptionFailedException("decryption failed: key commitment mismatch");
      }
      return compact(keys, header.salt(), header.authenticated(), aad);
    }
    byte[][] keys = derive(dek, header.salt());
    try {
      if (!MessageDigest.isEqual(keys[1], header.commitment())) {
        throw new DecryptionFailedException("decryption failed: key commitment mismatch");
      }
      return new ChunkCipher(Gcm.key(keys[0]), header.authenticated(), aad, null);
    } finally {
      Arrays.fill(keys[0], (byte) 0);
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

  private byte[] chunkNonce(long index, boolean last) {
    if (fixedNonce == null) {
      return nonce(index, last);
    }
    if (index != 0 || !last) {
      throw new DecryptionFailedException("decryption failed: compact form holds one chunk");
    }
    return fixedNonce;
  }

  int seal(long index, boolean last, byte[] in, int off, int len, byte[] out, int outOff) {
    return Gcm.encrypt(key, chunkNonce(index, last), aads, in, off, len, out, outOff);
  }

  int open(long index, boolean last, byte[] in, int off, int len, byte[] out, int outOff) {
    return Gcm.decrypt(key, chunkNonce(index, last), aads, in, off, len, out, outOff);
  }
}
