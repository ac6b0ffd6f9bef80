package dev.cmk.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;

/**
 * Keys derived from a key for one purpose (HKDF-SHA256, RFC 5869) and keyed hashes (HMAC-SHA256),
 * for features that need more than one key from one KEK, such as the encrypted search index (a
 * term-hashing key and posting-wrapping keys).
 *
 * <p><b>Security:</b> callers give every purpose its own {@code info} label, so two derived keys
 * never coincide. The input key is only read; derived keys are {@link SecretKeyMaterial} and wiped
 * when closed. The HMAC key handed to the JCA is wipeable and wiped after each call.
 */
public final class KeyDerivation {
  private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(KeyDerivation::newMac);

  private KeyDerivation() {}

  /** A 256-bit key derived from {@code key} for the purpose {@code info} (HKDF, empty salt). */
  public static SecretKeyMaterial derive(SecretKeyMaterial key, byte[] info) {
    byte[] ikm = key.copyBytes();
    try {
      return SecretKeyMaterial.takeOwnership(
          Hkdf.derive(ikm, new byte[0], info, SecretKeyMaterial.AES_256_BYTES));
    } finally {
      Arrays.fill(ikm, (byte) 0);
    }
  }

  /** HMAC-SHA256 of {@code data} under {@code key} (32 bytes). */
  public static byte[] hmacSha256(SecretKeyMaterial key, byte[] data) {
    Mac mac = MAC.get();
    AesKey k = new AesKey(key.copyBytes());
    try {
      mac.init(k);
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    } finally {
      k.destroy();
    }
  }

  private static Mac newMac() {
    try {
      return Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }
}
