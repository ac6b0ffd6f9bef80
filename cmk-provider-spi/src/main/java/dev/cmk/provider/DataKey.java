package dev.cmk.provider;

import dev.cmk.crypto.SecretKeyMaterial;

/**
 * A freshly generated key in both forms. Close it to wipe the plaintext.
 *
 * <p><b>Security:</b> {@code toString} shows neither form's bytes.
 */
public record DataKey(SecretKeyMaterial plaintext, byte[] wrapped) implements AutoCloseable {
  @Override
  public void close() {
    plaintext.close();
  }

  @Override
  public String toString() {
    return "DataKey[plaintext=redacted, wrapped=" + wrapped.length + " bytes]";
  }
}
