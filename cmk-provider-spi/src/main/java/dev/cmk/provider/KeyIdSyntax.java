package dev.cmk.provider;

import java.util.Optional;

/**
 * Optional capability of a {@link KeyProvider} whose key ids have a form that can be checked before
 * any network call (an AWS ARN, a PKCS#11 label, a local alias). Reach it through {@link
 * KeyProvider#capability(Class)}; a provider without it accepts any id until its first call.
 */
public interface KeyIdSyntax {

  /**
   * Checks the form of one key id.
   *
   * @throws KeyIdFormatException saying what is wrong and what a right id looks like
   */
  void checkKeyId(String keyId);

  /**
   * Checks a whole registration (primary and replicas). The default checks each id; providers with
   * replica rules (AWS multi-region keys) add them.
   *
   * @throws KeyIdFormatException saying what is wrong and what a right registration looks like
   */
  default void checkKeyRef(KeyRef key) {
    checkKeyId(key.keyId());
    key.replicaKeyIds().forEach(this::checkKeyId);
  }

  /** The region or location a key id names, when the id carries one (an AWS ARN does). */
  default Optional<String> regionOf(String keyId) {
    return Optional.empty();
  }
}
