package dev.cmk.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * The per-message content key of a version-1 envelope, and the per-chunk AES-GCM calls under it.
 *
 * <p>The content key and the commitment come from one HKDF-SHA256 call over the DEK and the
 * message's salt. Chunk {@code i} uses the nonce {@code 0x000000 || i (8 bytes) || last (1 byte)}
 * and the associated data {@code authenticated header || caller AAD}, so every chunk authenticates
 * the header, its own position and whether it ends the message.
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

  private ChunkCipher(SecretKey key, byte[] authenticatedHeader, byte[] aad) {
    this.key = key;
    this.aads = new byte[][] {authenticatedHeader, aad.clone()};
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
    ChunkCipher c = new ChunkCipher(Gcm.key(contentKey), authenticatedHeader, aad);
    Arrays.fill(contentKey, (byte) 0);
    return c;
  }

  /** For decryption: checks the key commitment before any chunk is touched. */
  static ChunkCipher forDecryption(SecretKeyMaterial dek, EnvelopeHeader header, byte[] aad) {
    byte[][] keys = derive(dek, header.salt());
    try {
      if (!MessageDigest.isEqual(keys[1], header.commitment())) {
        throw new DecryptionFailedException("decryption failed: key commitment mismatch");
      }
      return new ChunkCipher(Gcm.key(keys[0]), header.authenticated(), aad);
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

  int seal(long index, boolean last, byte[] in, int off, int len, byte[] out, int outOff) {
    return Gcm.encrypt(key, nonce(index, last), aads, in, off, len, out, outOff);
  }

  int open(long index, boolean last, byte[] in, int off, int len, byte[] out, int outOff) {
    return Gcm.decrypt(key, nonce(index, last), aads, in, off, len, out, outOff);
  }
}
