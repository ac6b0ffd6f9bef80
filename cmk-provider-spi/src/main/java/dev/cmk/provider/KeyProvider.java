package dev.cmk.provider;

import dev.cmk.crypto.SecretKeyMaterial;
import java.util.Optional;

/**
 * A place where customer or platform root keys live (a cloud KMS, an HSM, a local keystore) and the
 * operations CMK needs from it: describe, generate, wrap, unwrap (and rewrap, which defaults to
 * both), probe; everything else is an optional capability reached through {@link #capability}.
 * Implementations translate every SDK failure into one {@link ProviderException} subtype and never
 * let SDK types escape.
 *
 * <p><b>Security:</b> every wrap is bound to an {@link EncryptionContext}; unwrap with a different
 * context must fail with {@link BadCiphertextException}. Implementations never log key bytes.
 */
public interface KeyProvider {

  /** The provider kind this instance serves, e.g. {@code "aws"}, {@code "local"}. */
  String kind();

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
   * The one way to reach an optional capability of this provider: {@link KeyIdSyntax} (key ids
   * checked before any network call), {@link PolicyReader} (key policies), {@link GrantSupport}
   * (grants). Empty when the provider lacks it. Wrappers (metrics, resilience) forward the lookup
   * to the provider they wrap, guarding what needs guarding (grant calls).
   */
  default <T> Optional<T> capability(Class<T> type) {
    return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
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
