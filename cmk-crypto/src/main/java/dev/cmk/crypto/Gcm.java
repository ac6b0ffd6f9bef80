package dev.cmk.crypto;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The one place CMK calls AES-GCM: 128-bit tags, a caller-chosen nonce, a cached {@link Cipher} per
 * thread, from the JCA provider {@link GcmProvider} names (the JDK's unless the composition root
 * chose another).
 *
 * <p>Checked against every Project Wycheproof AES-GCM vector. The JDK refuses an empty nonce (so
 * does this class); every other nonce length is passed through as GCM defines it, although CMK
 * itself only ever uses 96-bit nonces.
 *
 * <p><b>Security:</b> the cached cipher keeps the last key of its thread in memory until the next
 * call replaces it, as Tink's cached ciphers do (the JDK keeps its key schedule; Amazon Corretto
 * Crypto Provider keeps a copy of the raw key and a native context). Decryption writes plaintext to
 * the caller's output before the tag check completes on some JDKs; callers must treat the output as
 * unreleased until this method returns and wipe it when it throws.
 */
final class Gcm {
  static final int TAG_BYTES = 16;
  private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(GcmProvider::newCipher);

  private Gcm() {}

  /** A wipeable JCA key that takes ownership of {@code raw}. */
  static AesKey key(byte[] raw) {
    return new AesKey(raw);
  }

  /** The GCM parameters for the nonce {@code src[off, off+len)} (copied). */
  static GCMParameterSpec nonce(byte[] src, int off, int len) {
    return new GCMParameterSpec(TAG_BYTES * 8, src, off, len);
  }

  /**
   * Encrypts {@code in[inOff, inOff+len)} into {@code out} at {@code outOff} ({@code len + 16}
   * bytes).
   */
  static int encrypt(
      SecretKey key,
      byte[] nonce,
      byte[] aad,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    return encrypt(key, nonce(nonce, 0, nonce.length), aad, in, inOff, len, out, outOff);
  }

  static int encrypt(
      SecretKey key,
      GCMParameterSpec nonce,
      byte[] aad,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    Cipher c = CIPHER.get();
    try {
      c.init(Cipher.ENCRYPT_MODE, key, nonce);
      if (aad.length > 0) {
        c.updateAAD(aad);
      }
      return c.doFinal(in, inOff, len, out, outOff);
    } catch (InvalidKeyException | InvalidAlgorithmParameterException e) {
      throw new IllegalArgumentException("invalid AES-GCM key or nonce", e);
    } catch (ShortBufferException e) {
      throw new IllegalArgumentException("output buffer too short", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  /**
   * Decrypts and verifies {@code in[inOff, inOff+len)} (ciphertext || tag) into {@code out}.
   *
   * @return the number of plaintext bytes written
   * @throws DecryptionFailedException on a wrong tag, a wrong key size or an unusable nonce
   */
  static int decrypt(
      SecretKey key,
      byte[] nonce,
      byte[] aad,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    return decrypt(key, nonce(nonce, 0, nonce.length), aad, in, inOff, len, out, outOff);
  }

  static int decrypt(
      SecretKey key,
      GCMParameterSpec nonce,
      byte[] aad,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    if (len < TAG_BYTES) {
      throw new DecryptionFailedException("decryption failed: ciphertext too short");
    }
    Cipher c = CIPHER.get();
    try {
      c.init(Cipher.DECRYPT_MODE, key, nonce);
      if (aad.length > 0) {
        c.updateAAD(aad);
      }
      return c.doFinal(in, inOff, len, out, outOff);
    } catch (AEADBadTagException e) {
      throw new DecryptionFailedException("decryption failed: authentication tag mismatch");
    } catch (InvalidKeyException | InvalidAlgorithmParameterException e) {
      throw new DecryptionFailedException("decryption failed: unusable key or nonce");
    } catch (GeneralSecurityException e) {
      throw new DecryptionFailedException("decryption failed", e);
    }
  }
}
