package dev.cmk.provider;

/** The provider could not be reached or did not answer in time; retries and fallback may apply. */
public final class KeyUnavailableException extends ProviderException {
  private static final long serialVersionUID = 1L;

  public KeyUnavailableException(FailureReason reason, String providerCode, String message) {
    super(reason, providerCode, message, null);
  }

  public KeyUnavailableException(
      FailureReason reason, String providerCode, String message, Throwable cause) {
    super(reason, providerCode, message, cause);
  }
}
