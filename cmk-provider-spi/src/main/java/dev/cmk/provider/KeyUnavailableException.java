package dev.cmk.provider;

import org.jspecify.annotations.Nullable;

/** The provider could not be reached or did not answer in time; retries and fallback may apply. */
public final class KeyUnavailableException extends ProviderException {
  private static final long serialVersionUID = 1L;

  public KeyUnavailableException(FailureReason reason, String providerCode, String message) {
    super(reason, providerCode, message, null);
  }

  public KeyUnavailableException(
      FailureReason reason, String providerCode, String message, @Nullable Throwable cause) {
    super(reason, providerCode, message, cause);
  }
}
