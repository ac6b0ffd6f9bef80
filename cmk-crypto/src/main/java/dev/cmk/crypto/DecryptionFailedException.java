package dev.cmk.crypto;

/**
 * Authentication of a ciphertext failed: wrong key, wrong associated data, or altered bytes.
 *
 * <p><b>Security:</b> the message never says which of these it was, never carries key or plaintext
 * bytes, and callers must never retry or fall back on it.
 */
public final class DecryptionFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DecryptionFailedException(String message) {
    super(message);
  }

  public DecryptionFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
