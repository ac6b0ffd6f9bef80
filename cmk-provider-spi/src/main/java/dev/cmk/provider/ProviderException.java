package dev.cmk.provider;

import org.jspecify.annotations.Nullable;

/**
 * Every failure a {@link KeyProvider} reports, in one of three families that decide what the caller
 * does:
 *
 * <ul>
 *   <li>{@link KeyUnavailableException}: throttled, network, provider down. Retries and the
 *       account's fallback may apply.
 *   <li>{@link KeyRefusedException}: disabled, pending deletion, not found, access denied. The
 *       customer's decision or a misconfiguration: never retried, never falls back.
 *   <li>{@link BadCiphertextException}: tampered blob, wrong key or context. Never retried, never
 *       falls back.
 * </ul>
 *
 * <p><b>Security:</b> messages carry the provider's error code and the key id, never key bytes.
 */
public abstract sealed class ProviderException extends RuntimeException
    permits KeyUnavailableException, KeyRefusedException, BadCiphertextException {
  private static final long serialVersionUID = 1L;

  private final FailureReason reason;
  private final String providerCode;

  protected ProviderException(
      FailureReason reason, String providerCode, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.providerCode = providerCode;
  }

  public FailureReason reason() {
    return reason;
  }

  /**
   * The provider's own error code (e.g. {@code DisabledException}), the evidence shown to admins.
   */
  public String providerCode() {
    return providerCode;
  }
}
