package dev.cmk.provider;

import org.jspecify.annotations.Nullable;

/** The wrapped key or its context did not authenticate. Never retried; never falls back. */
public final class BadCiphertextException extends ProviderException {
  private static final long serialVersionUID = 1L;

  public BadCiphertextException(FailureReason reason, String providerCode, String message) {
    super(reason, providerCode, message, null);
  }

  public BadCiphertextException(
      FailureReason reason, String providerCode, String message, @Nullable Throwable cause) {
    super(reason, providerCode, message, cause);
  }
}
