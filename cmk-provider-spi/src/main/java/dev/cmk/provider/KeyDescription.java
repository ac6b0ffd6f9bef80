package dev.cmk.provider;

import java.util.Optional;

/**
 * What a provider says about a key: enough for onboarding validation and availability.
 *
 * @param keyId the provider's canonical id (e.g. the key ARN behind an alias)
 * @param state the key's lifecycle state
 * @param symmetricEncryption whether the key can wrap and unwrap (symmetric encrypt/decrypt, or RSA
 *     wrap/unwrap for Azure)
 * @param region the region or location the key lives in, when the provider has one
 * @param multiRegion whether the key is a multi-region key
 * @param keySpec the provider's name for the key type, e.g. {@code SYMMETRIC_DEFAULT}
 */
public record KeyDescription(
    String keyId,
    KeyState state,
    boolean symmetricEncryption,
    Optional<String> region,
    boolean multiRegion,
    String keySpec) {

  /** Lifecycle states, named in the service's terms. */
  public enum KeyState {
    ENABLED,
    DISABLED,
    PENDING_DELETION,
    PENDING_IMPORT,
    UNAVAILABLE,
    UNKNOWN
  }
}
