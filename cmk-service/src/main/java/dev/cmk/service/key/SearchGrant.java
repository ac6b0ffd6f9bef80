package dev.cmk.service.key;

import java.time.Instant;

/**
 * A standing grant through which the search service reaches one key of an account's key
 * registration (DESIGN.md flow 8): on the primary, or on one multi-region replica in its own
 * region, since grants are per key and region.
 *
 * @param customerKeyId the key registration the grant belongs to
 * @param keyId the provider's id of the key the grant is on (the primary's or a replica's)
 * @param region the key's region, empty when the provider has none
 * @param replica whether {@code keyId} is a replica of the registration's primary
 * @param grantName the deterministic name the grant was created with (account and registration)
 * @param grantId the provider's id of the grant (an identifier, not a grant token)
 * @param lastError why the last revoke attempt failed, empty otherwise
 */
public record SearchGrant(
    String id,
    String accountId,
    String customerKeyId,
    String provider,
    String keyId,
    String region,
    boolean replica,
    String grantName,
    String grantId,
    Status status,
    String lastError,
    Instant createdAt,
    Instant updatedAt) {

  /** Whether the grant should stand. */
  public enum Status {
    /** Created and stored; the search service uses it. */
    ACTIVE,
    /** To be revoked; the provider has not confirmed it yet (retried on every probe round). */
    PENDING_REVOKE
  }

  public SearchGrant pendingRevoke(String error, Instant now) {
    return new SearchGrant(
        id,
        accountId,
        customerKeyId,
        provider,
        keyId,
        region,
        replica,
        grantName,
        grantId,
        Status.PENDING_REVOKE,
        error,
        createdAt,
        now);
  }

  public SearchGrant reactivated(String newGrantId, Instant now) {
    return new SearchGrant(
        id,
        accountId,
        customerKeyId,
        provider,
        keyId,
        region,
        replica,
        grantName,
        newGrantId,
        Status.ACTIVE,
        "",
        createdAt,
        now);
  }
}
