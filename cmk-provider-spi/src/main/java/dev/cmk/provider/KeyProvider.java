package dev.cmk.provider;

import dev.cmk.crypto.SecretKeyMaterial;
import java.util.Optional;

/**
 * A place where customer or platform root keys live (a cloud KMS, an HSM, a local keystore) and the
 * four operations CMK needs from it. Implementations translate every SDK failure into one {@link
 * ProviderException} subtype and never let SDK types escape.
 *
 * <p><b>Security:</b> every wrap is bound to an {@link EncryptionContext}; unwrap with a different
 * context must fail with {@link BadCiphertextException}. Implementations never log key bytes.
 */
public interface KeyProvider {

  /** The provider kind this instance serves, e.g. {@code "aws"}, {@code "local"}. */
  String kind();

  /**
   * Checks the form of a key id before any network call.
   *
   * @throws KeyIdFormatException saying what is wrong and what a right id looks like
   */
  default void checkKeyId(String keyId) {}

  /**
   * Checks a whole key registration (primary and replicas) before any network call. The default
   * checks each id; providers with replica rules (AWS multi-region keys) add them.
   *
   * @throws KeyIdFormatException saying what is wrong and what a right registration looks like
   */
  default void checkKeyRef(KeyRef key) {
    checkKeyId(key.keyId());
    key.replicaKeyIds().forEach(this::checkKeyId);
  }

  /**
   * The region or location a key id names, when the id carries one (an AWS ARN does), so that the
   * service can check data residency before any network call.
   */
  default Optional<String> regionOf(String keyId) {
    return Optional.empty();
  }

  /** Grant management, for providers whose keys carry grants (AWS KMS); empty otherwise. */
  default Optional<GrantSupport> grants() {
    return Optional.empty();
  }

  /** Reads the key's state and capabilities. */
  KeyDescription describe(KeyRef key);

  /** Makes a fresh AES-256 key and returns it both in plaintext and wrapped by {@code key}. */
  DataKey generateDataKey(KeyRef key, EncryptionContext context);

  /** Wraps caller-supplied key material under {@code key}. */
  byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context);

  /** Unwraps what {@link #wrap} or {@link #generateDataKey} returned, under the same context. */
  SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context);

  /**
   * Moves a wrapped key from one root key to another (AWS ReEncrypt). The default unwraps and wraps
   * again; providers with a server-side re-encrypt override it so the plaintext never leaves the
   * KMS.
   */
  default byte[] rewrap(KeyRef from, byte[] wrapped, EncryptionContext context, KeyRef to) {
    try (SecretKeyMaterial k = unwrap(from, wrapped, context)) {
      return wrap(to, k, context);
    }
  }

  /**
   * An optional capability of this provider, e.g. {@link PolicyReader} or {@link GrantSupport}.
   * Wrappers (metrics, resilience) forward it to the provider they wrap.
   */
  default <T> java.util.Optional<T> capability(Class<T> type) {
    return type.isInstance(this)
        ? java.util.Optional.of(type.cast(this))
        : java.util.Optional.empty();
  }

  /**
   * Proves access by a real round trip: generate a data key under a probe context and unwrap it.
   * Providers with a cheaper proof may override.
   */
  default void probe(KeyRef key, EncryptionContext probeContext) {
    try (DataKey dk = generateDataKey(key, probeContext);
        SecretKeyMaterial back = unwrap(key, dk.wrapped(), probeContext)) {
      if (!java.security.MessageDigest.isEqual(dk.plaintext().copyBytes(), back.copyBytes())) {
        throw new BadCiphertextException(
            FailureReason.INVALID_CIPHERTEXT, "probe", "probe round trip returned other bytes");
      }
    }
  }
}
