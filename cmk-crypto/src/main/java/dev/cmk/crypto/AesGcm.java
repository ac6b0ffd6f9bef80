package dev.cmk.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM with a random 96-bit nonce, for small values such as wrapped keys.
 *
 * <p>Output layout: {@code nonce (12) || ciphertext || tag (16)}. With random nonces one key should
 * protect at most 2^32 messages; KEKs are scoped per (account, service, period), which keeps every
 * KEK far below that bound.
 */
public final class AesGcm {
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BYTES = 16;

  private AesGcm() {}

  public static byte[] seal(SecretKeyMaterial key, byte[] plaintext, byte[] aad, SecureRandom rnd) {
    byte[] nonce = new byte[NONCE_BYTES];
    rnd.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key.aesKey(), new GCMParameterSpec(TAG_BYTES * 8, nonce));
      c.updateAAD(aad);
      byte[] out = new byte[NONCE_BYTES + c.getOutputSize(plaintext.length)];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      c.doFinal(plaintext, 0, plaintext.length, out, NONCE_BYTES);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable in this JVM", e);
    }
  }

  public static byte[] open(SecretKeyMaterial key, byte[] sealed, byte[] aad) {
    if (sealed.length < NONCE_BYTES + TAG_BYTES) {
      throw new DecryptionFailedException("decryption failed: ciphertext too short");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE,
          key.aesKey(),
          new GCMParameterSpec(TAG_BYTES * 8, sealed, 0, NONCE_BYTES));
      c.updateAAD(aad);
      return c.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new DecryptionFailedException("decryption failed: authentication tag mismatch");
    } catch (GeneralSecurityException e) {
      throw new DecryptionFailedException("decryption failed", e);
    }
  }
}
