package dev.cmk.provider;

import org.jspecify.annotations.Nullable;

/**
 * The provider answered and refused: the key is disabled, being deleted, missing, or our principal
 * lacks permission. Never retried; never falls back.
 */
public final class KeyRefusedException extends ProviderException {
  private static final long serialVersionUID = 1L;

  public KeyRefusedException(FailureReason reason, String providerCode, String message) {
    super(reason, providerCode, message, null);
  }

  public KeyRefusedException(
      FailureReason reason, String providerCode, String message, @Nullable Throwable cause) {
    super(reason, providerCode, message, cause);
  }
}
