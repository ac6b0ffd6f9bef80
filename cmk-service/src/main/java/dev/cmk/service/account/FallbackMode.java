package dev.cmk.service.account;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.util.Locale;

/**
 * When an account with fallback on writes under the platform's backup key instead of its own key.
 */
public enum FallbackMode {
  /**
   * The seed's semantics (the default): the customer's key unavailable for any reason — outage,
   * throttling, disabled, pending deletion, access denied, not found.
   */
  ANY_REASON,
  /**
   * Only while the key cannot be reached (outage, throttling, timeouts). A key the customer refuses
   * (disabled, pending deletion, access denied, not found) stops new CMK writes.
   */
  OUTAGES_ONLY;

  /** Parses an API value; a bad one is a clear 400 naming the choices. */
  public static FallbackMode parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "mode must be ANY_REASON or OUTAGES_ONLY, not '" + value + "'");
    }
  }
}
