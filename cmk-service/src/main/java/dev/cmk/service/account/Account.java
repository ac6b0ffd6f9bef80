package dev.cmk.service.account;

import java.time.Instant;

/**
 * A customer organization.
 *
 * @param region data-residency region; the customer's key must live there
 * @param fallbackEnabled whether writes fall back to the platform's backup key when the customer's
 *     key is unavailable
 * @param dropCallsOnKeyUnavailable operator-enabled option: end live calls when the key goes away
 */
public record Account(
    String id,
    String name,
    String region,
    boolean fallbackEnabled,
    boolean dropCallsOnKeyUnavailable,
    Instant createdAt) {
  public static final String DEFAULT_REGION = "us-east-1";
}
