package dev.cmk.service.content;

import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.account.FallbackMode;
import java.util.Locale;

/**
 * DESIGN.md flow 2: whether a write whose customer key failed goes under the platform's backup key
 * (FALLBACK) or is refused, from the failure's family and the account's fallback switch and mode.
 *
 * <ul>
 *   <li>fallback off: refused;
 *   <li>key unreachable (outage, throttling, timeout, breaker open): fallback in both modes;
 *   <li>key refused (disabled, pending deletion, not found, access denied): fallback in {@link
 *       FallbackMode#ANY_REASON}, refused in {@link FallbackMode#OUTAGES_ONLY};
 *   <li>bad ciphertext: never falls back (a KEK that does not authenticate is tampering).
 * </ul>
 *
 * <p>A revoked account never gets here: revoke now refuses before any provider call and turns
 * fallback off.
 */
public final class FallbackPolicy {
  private FallbackPolicy() {}

  /**
   * What happened to one write and why.
   *
   * @param fallback whether the write goes under the backup key
   * @param cause {@code UNREACHABLE} or {@code REFUSED} (as key status shows it), or {@code
   *     INVALID} for a bad ciphertext
   * @param reason the provider failure in the service's terms, e.g. {@code disabled}, {@code
   *     network}
   * @param providerCode the provider's own error code, the evidence
   * @param why one sentence for the admin
   */
  public record Decision(
      boolean fallback,
      String cause,
      String reason,
      String providerCode,
      FallbackMode mode,
      String why) {}

  /**
   * The rule without a failure at hand: whether writes fall back while the key is refused ({@code
   * refused}) or unreachable.
   */
  public static boolean fallsBack(boolean refused, boolean enabled, FallbackMode mode) {
    return enabled && !(refused && mode == FallbackMode.OUTAGES_ONLY);
  }

  public static Decision decide(ProviderException failure, boolean enabled, FallbackMode mode) {
    String reason = failure.reason().name().toLowerCase(Locale.ROOT);
    if (failure instanceof BadCiphertextException) {
      return new Decision(
          false,
          "INVALID",
          reason,
          failure.providerCode(),
          mode,
          "the key's answer did not authenticate; that never falls back");
    }
    boolean refused = failure instanceof KeyRefusedException;
    String cause = refused ? "REFUSED" : "UNREACHABLE";
    String what =
        refused
            ? "the customer's key refused (" + reason + ")"
            : "the customer's key is unreachable";
    if (!enabled) {
      return new Decision(
          false, cause, reason, failure.providerCode(), mode, what + " and fallback is off");
    }
    if (!fallsBack(refused, enabled, mode)) {
      return new Decision(
          false,
          cause,
          reason,
          failure.providerCode(),
          mode,
          what
              + "; fallback is on in OUTAGES_ONLY mode, where a key the customer refuses stops new"
              + " CMK writes");
    }
    return new Decision(
        true,
        cause,
        reason,
        failure.providerCode(),
        mode,
        what + "; fallback is on (" + mode + "): written under the platform's backup key");
  }
}
