package dev.cmk.crypto;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * AES-256-GCM with a random 96-bit nonce, for small values such as wrapped keys.
 *
 * <p>Output layout: {@code nonce (12) || ciphertext || tag (16)}. With random nonces one key should
 * protect at most 2^32 messages; KEKs are scoped per (account, service, period), which keeps every
 * KEK far below that bound.
 *
 * <p><b>Security:</b> the JCA key built for each call is wiped when the call returns.
 */
public final class AesGcm {
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BYTES = 16;

  private AesGcm() {}

  public static byte[] seal(SecretKeyMaterial key, byte[] plaintext, byte[] aad, SecureRandom rnd) {
    byte[] nonce = new byte[NONCE_BYTES];
    rnd.nextBytes(nonce);
    byte[] out = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
    System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
    AesKey k = Gcm.key(key.copyBytes());
    try {
      Gcm.encrypt(k, nonce, aad, plaintext, 0, plaintext.length, out, NONCE_BYTES);
    } finally {
      k.destroy();
    }
    return out;
  }

  public static byte[] open(SecretKeyMaterial key, byte[] sealed, byte[] aad) {
    if (sealed.length < NONCE_BYTES + TAG_BYTES) {
      throw new DecryptionFailedException("decryption failed: ciphertext too short");
    }
    byte[] out = new byte[sealed.length - NONCE_BYTES - TAG_BYTES];
    AesKey k = Gcm.key(key.copyBytes());
    try {
      Gcm.decrypt(
          k,
          Gcm.nonce(sealed, 0, NONCE_BYTES),
          aad,
          sealed,
          NONCE_BYTES,
          sealed.length - NONCE_BYTES,
          out,
          0);
      return out;
    } catch (DecryptionFailedException e) {
      Arrays.fill(out, (byte) 0);
      throw e;
    } finally {
      k.destroy();
    }
  }
}
