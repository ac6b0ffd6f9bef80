package dev.cmk.crypto;

import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * An AES key for the JCA that, unlike {@link javax.crypto.spec.SecretKeySpec}, can be wiped.
 *
 * <p><b>Security:</b> {@link #destroy()} overwrites the bytes with zeros; afterwards {@link
 * #getEncoded()} throws, so a key closed by one thread can never be used as an all-zero key by
 * another (the flag is set before the wipe and checked again after each copy). The JDK's cipher
 * still keeps its own key schedule of the last key it used, per thread, until its next key. Not
 * serializable.
 */
final class AesKey implements SecretKey {
  private static final long serialVersionUID = 1L;

  private final byte[] bytes;
  private volatile boolean destroyed;

  /** Takes ownership of {@code bytes} (16, 24 or 32 of them); they are wiped by destroy. */
  AesKey(byte[] bytes) {
    this.bytes = bytes;
  }

  @Override
  public String getAlgorithm() {
    return "AES";
  }

  @Override
  public String getFormat() {
    return "RAW";
  }

  @Override
  public byte[] getEncoded() {
    checkAlive();
    byte[] copy = bytes.clone();
    if (destroyed) {
      Arrays.fill(copy, (byte) 0);
      checkAlive();
    }
    return copy;
  }

  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(bytes, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  private void checkAlive() {
    if (destroyed) {
      throw new IllegalStateException("key material was already wiped");
    }
  }

  @Override
  public String toString() {
    return "AesKey[redacted]";
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    throw new NotSerializableException("key material is never serialized");
  }
}
