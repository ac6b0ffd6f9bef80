package dev.cmk.service.availability;

import java.time.Instant;

/**
 * The last known availability of an account's active customer key.
 *
 * @param customerKeyId the key registration it is about
 * @param reason the provider's classified failure reason in lower case (e.g. {@code disabled},
 *     {@code network}), empty when available
 * @param detail the evidence: the provider's error code and message, or which replica served
 * @param changedAt when the state last changed
 * @param checkedAt when it was last confirmed by a probe or by traffic
 */
public record KeyStatus(
    String accountId,
    String customerKeyId,
    KeyState state,
    Cause cause,
    String reason,
    String detail,
    Instant changedAt,
    Instant checkedAt) {

  /** Whether this status says the same as {@code other}, ignoring times and evidence. */
  public boolean sameAs(KeyStatus other) {
    return other != null
        && customerKeyId.equals(other.customerKeyId)
        && state == other.state
        && cause == other.cause
        && reason.equals(other.reason);
  }
}
