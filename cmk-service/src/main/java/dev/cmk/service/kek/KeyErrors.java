package dev.cmk.service.kek;

import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one translation of a provider failure met while using an account's key (content, live
 * sessions, the search index) into the service's error: {@link ErrorCode#KEY_REFUSED} when the
 * customer's key said no (disabled, deleted, access denied: the admin must act), otherwise {@link
 * ErrorCode#KEY_UNAVAILABLE} (outage, throttling: worth retrying). Callers add their own details
 * and hints to what this returns.
 */
public final class KeyErrors {
  private KeyErrors() {}

  /**
   * @param action what could not be done, e.g. {@code "write"}, worded to follow "cannot "
   */
  public static CmkException of(String accountId, ProviderException e, String action) {
    return of(accountId, e, action, "");
  }

  /**
   * {@link #of(String, ProviderException, String)} that also says why the write did not fall back
   * ({@code why}, empty for none).
   */
  public static CmkException of(String accountId, ProviderException e, String action, String why) {
    CmkException base = base(accountId, e, action);
    if (why.isEmpty()) {
      return base;
    }
    return new CmkException(
        base.code(),
        base.getMessage() + "; not written under the backup key: " + why,
        base.details());
  }

  private static CmkException base(String accountId, ProviderException e, String action) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("accountId", accountId);
    details.put("reason", e.reason().name().toLowerCase(Locale.ROOT));
    details.put("providerCode", e.providerCode());
    if (e instanceof KeyRefusedException) {
      return new CmkException(
          ErrorCode.KEY_REFUSED,
          "cannot "
              + action
              + ": the customer's key refused the request ("
              + e.reason()
              + "); the account's admin must re-enable or re-grant it",
          details);
    }
    return new CmkException(
        ErrorCode.KEY_UNAVAILABLE,
        "cannot " + action + ": the key is unavailable (" + e.reason() + "): " + e.getMessage(),
        details);
  }
}
