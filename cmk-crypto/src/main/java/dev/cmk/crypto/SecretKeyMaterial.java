package dev.cmk.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.SecretKey;
import org.jspecify.annotations.Nullable;

/**
 * Raw symmetric key bytes (a KEK or a DEK) with an explicit lifetime.
 *
 * <p><b>Security:</b> the bytes are copied in, handed out only as a JCA {@link SecretKey} or a
 * defensive copy, and overwritten with zeros by {@link #close()}. {@code toString} never shows
 * them. The JCA keys handed out are wipeable; the JDK cipher's own copy of its last key cannot be
 * wiped on Java 17.
 */
public final class SecretKeyMaterial implements AutoCloseable {
  /** Length of every key CMK makes: AES-256. */
  public static final int AES_256_BYTES = 32;

  /** The bytes, wiped by {@link #close()}; its race-checked copy and wipe serve this class too. */
  private final AesKey key;

  /**
   * The compact envelope form's content key and commitment, derived from these bytes on first use
   * and destroyed with them: they live exactly as long as this key.
   */
  private volatile CompactKeys.@Nullable Entry compactKeys;

  private SecretKeyMaterial(byte[] bytes) {
    this.key = new AesKey(bytes);
  }

  /** Copies {@code bytes}; the caller should wipe its own array. */
  public static SecretKeyMaterial copyOf(byte[] bytes) {
    if (bytes.length != AES_256_BYTES) {
      throw new IllegalArgumentException("key must be 32 bytes, got " + bytes.length);
    }
    return new SecretKeyMaterial(bytes.clone());
  }

  /** Takes ownership of {@code bytes} without copying; it is wiped on close. */
  public static SecretKeyMaterial takeOwnership(byte[] bytes) {
    if (bytes.length != AES_256_BYTES) {
      Arrays.fill(bytes, (byte) 0);
      throw new IllegalArgumentException("key must be 32 bytes");
    }
    return new SecretKeyMaterial(bytes);
  }

  /** A fresh random AES-256 key. */
  public static SecretKeyMaterial random(SecureRandom random) {
    byte[] b = new byte[AES_256_BYTES];
    random.nextBytes(b);
    return new SecretKeyMaterial(b);
  }

  /**
   * An AES {@link SecretKey} for the JCA, holding its own copy of the bytes; {@code destroy()} it
   * when done (it is wipeable, unlike a {@code SecretKeySpec}).
   */
  public SecretKey aesKey() {
    return new AesKey(copyBytes());
  }

  /** A copy of the raw bytes, for a KMS call that needs them; wipe it after use. */
  public byte[] copyBytes() {
    return key.getEncoded();
  }

  /** The compact-form keys of this key, derived once and destroyed by {@link #close()}. */
  CompactKeys.Entry compactKeys() {
    CompactKeys.Entry keys = compactKeys;
    if (keys == null) {
      keys = CompactKeys.derive(this, EnvelopeHeader.FORM_COMPACT);
      compactKeys = keys;
      if (key.isDestroyed()) {
        // closed while deriving: close() may have missed the entry just stored
        keys.destroy();
        throw new IllegalStateException("key material was already wiped");
      }
    }
    return keys;
  }

  /** A second, independently closable holder of the same key. */
  public SecretKeyMaterial duplicate() {
    return new SecretKeyMaterial(copyBytes());
  }

  public boolean isDestroyed() {
    return key.isDestroyed();
  }

  @Override
  public void close() {
    key.destroy();
    CompactKeys.Entry keys = compactKeys;
    if (keys != null) {
      keys.destroy();
      compactKeys = null;
    }
  }

  @Override
  public String toString() {
    return "SecretKeyMaterial[redacted]";
  }
}
