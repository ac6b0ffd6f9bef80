package dev.cmk.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869), with a cached {@link Mac} per thread.
 *
 * <p><b>Security:</b> the pseudo-random key is wiped after expansion; the JDK keeps its own copy of
 * the HMAC key inside the cached {@code Mac} until the next call of the same thread.
 */
final class Hkdf {
  static final int HASH_BYTES = 32;
  private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(Hkdf::newMac);

  private Hkdf() {}

  /**
   * Derives {@code length} bytes (at most 255 × 32) from {@code ikm}, {@code salt}, {@code info}.
   */
  static byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
    if (length < 0 || length > 255 * HASH_BYTES) {
      throw new IllegalArgumentException("HKDF output length out of range: " + length);
    }
    Mac mac = MAC.get();
    byte[] prk = null;
    try {
      mac.init(new SecretKeySpec(salt.length == 0 ? new byte[HASH_BYTES] : salt, "HmacSHA256"));
      prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      return expand(mac, info, length);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    } finally {
      if (prk != null) {
        Arrays.fill(prk, (byte) 0);
      }
    }
  }

  private static byte[] expand(Mac mac, byte[] info, int length) throws GeneralSecurityException {
    byte[] out = new byte[length];
    byte[] t = new byte[0];
    int done = 0;
    for (int i = 1; done < length; i++) {
      mac.update(t);
      mac.update(info);
      mac.update((byte) i);
      Arrays.fill(t, (byte) 0);
      t = mac.doFinal();
      int n = Math.min(t.length, length - done);
      System.arraycopy(t, 0, out, done, n);
      done += n;
    }
    Arrays.fill(t, (byte) 0);
    return out;
  }

  private static Mac newMac() {
    try {
      return Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }
}
