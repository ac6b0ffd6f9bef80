package dev.cmk.service.account;

import java.time.Instant;

/**
 * A customer organization.
 *
 * @param region data-residency region; the customer's key must live there
 * @param fallbackEnabled whether writes fall back to the platform's backup key when the customer's
 *     key is unavailable
 * @param dropCallsOnKeyUnavailable operator-enabled option: end live calls when the key goes away
 * @param searchEncryption whether search data is encrypted under the account's key; then the search
 *     principal needs its own access (AWS: a grant), checked by key validation
 * @param fallbackMode which failures of the customer's key fall back (when fallback is on)
 */
public record Account(
    String id,
    String name,
    String region,
    boolean fallbackEnabled,
    boolean dropCallsOnKeyUnavailable,
    Instant createdAt,
    boolean searchEncryption,
    FallbackMode fallbackMode) {
  public static final String DEFAULT_REGION = "us-east-1";

  /** An account with the default fallback mode (the form before modes existed). */
  public Account(
      String id,
      String name,
      String region,
      boolean fallbackEnabled,
      boolean dropCallsOnKeyUnavailable,
      Instant createdAt,
      boolean searchEncryption) {
    this(
        id,
        name,
        region,
        fallbackEnabled,
        dropCallsOnKeyUnavailable,
        createdAt,
        searchEncryption,
        FallbackMode.ANY_REASON);
  }

  /** An account without search encryption (the form before that option existed). */
  public Account(
      String id,
      String name,
      String region,
      boolean fallbackEnabled,
      boolean dropCallsOnKeyUnavailable,
      Instant createdAt) {
    this(
        id,
        name,
        region,
        fallbackEnabled,
        dropCallsOnKeyUnavailable,
        createdAt,
        false,
        FallbackMode.ANY_REASON);
  }

  public Account withRegion(String r) {
    return new Account(
        id,
        name,
        r,
        fallbackEnabled,
        dropCallsOnKeyUnavailable,
        createdAt,
        searchEncryption,
        fallbackMode);
  }

  public Account withFallback(boolean on) {
    return new Account(
        id, name, region, on, dropCallsOnKeyUnavailable, createdAt, searchEncryption, fallbackMode);
  }

  public Account withDropCalls(boolean on) {
    return new Account(
        id, name, region, fallbackEnabled, on, createdAt, searchEncryption, fallbackMode);
  }

  public Account withSearchEncryption(boolean on) {
    return new Account(
        id, name, region, fallbackEnabled, dropCallsOnKeyUnavailable, createdAt, on, fallbackMode);
  }

  public Account withFallbackMode(FallbackMode m) {
    return new Account(
        id,
        name,
        region,
        fallbackEnabled,
        dropCallsOnKeyUnavailable,
        createdAt,
        searchEncryption,
        m);
  }
}
