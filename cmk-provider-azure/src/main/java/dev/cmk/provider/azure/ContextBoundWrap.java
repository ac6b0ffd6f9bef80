package dev.cmk.provider.azure;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Binds an {@link EncryptionContext} to a Key Vault wrap (RSA-OAEP-256, or A256KW on Managed HSM),
 * which takes no associated data, and lays out the wrapped form.
 *
 * <p>The value handed to the vault is {@code key (32) || HMAC-SHA256(key, LABEL || len(name) ||
 * name || context.canonicalBytes())} (64 bytes; RSA-2048 OAEP-SHA-256 takes up to 190, AES key wrap
 * any multiple of 8). On unwrap the tag is recomputed and compared in constant time; a different
 * context or key name fails as bad ciphertext. Why this construction:
 *
 * <ul>
 *   <li>OAEP and AES key wrap are non-malleable, so nobody without the vault's key can swap the tag
 *       inside a ciphertext; moving a wrapped key to another account or purpose is detected.
 *   <li>Keying the tag with the wrapped key itself (rather than hashing the context alone) makes
 *       the extra 32 bytes say nothing about the context to anyone who lacks the key, and commits
 *       the wrap to one key value.
 *   <li>RSA wrap is a public-key operation, so anyone with the public key can make a wrapped key
 *       for any context; that gives them only a key they already know, as with any RSA wrap.
 * </ul>
 *
 * <p>Wrapped form (version 1): {@code 0x01 || algorithm (1: RSA-OAEP-256, 2: A256KW) || len (1) ||
 * "name/version" (ASCII) || vault ciphertext}. The key version used is kept so that unwrap works
 * after the customer rotates the key.
 *
 * <p><b>Security:</b> intermediate arrays holding key bytes are wiped.
 */
final class ContextBoundWrap {
  static final byte FORMAT = 1;
  private static final byte[] LABEL =
      "cmk/azure/rsa-oaep-256/v1\0".getBytes(StandardCharsets.US_ASCII);
  private static final int KEY = SecretKeyMaterial.AES_256_BYTES;
  private static final int TAG = 32;

  private ContextBoundWrap() {}

  /** The wrapped form's parts. */
  record Parsed(WrapAlgorithm algorithm, String name, String version, byte[] ciphertext) {}

  static byte[] boundKey(byte[] key, String keyName, EncryptionContext context) {
    byte[] tag = tag(key, keyName, context);
    return ByteBuffer.allocate(KEY + TAG).put(key).put(tag).array();
  }

  static SecretKeyMaterial open(byte[] boundKey, String keyName, EncryptionContext context) {
    try {
      if (boundKey.length != KEY + TAG) {
        throw bad("the unwrapped value has the wrong length");
      }
      byte[] key = Arrays.copyOfRange(boundKey, 0, KEY);
      byte[] expected = tag(key, keyName, context);
      byte[] actual = Arrays.copyOfRange(boundKey, KEY, KEY + TAG);
      if (!MessageDigest.isEqual(expected, actual)) {
        Arrays.fill(key, (byte) 0);
        throw bad("the wrapped key was made for another context or key");
      }
      return SecretKeyMaterial.takeOwnership(key);
    } finally {
      Arrays.fill(boundKey, (byte) 0);
    }
  }

  static byte[] format(WrapAlgorithm algorithm, String name, String version, byte[] ciphertext) {
    byte[] ref = (name + "/" + version).getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(3 + ref.length + ciphertext.length)
        .put(FORMAT)
        .put(algorithm.id)
        .put((byte) ref.length)
        .put(ref)
        .put(ciphertext)
        .array();
  }

  static Parsed parse(byte[] wrapped) {
    if (wrapped.length < 4 || wrapped[0] != FORMAT) {
      throw bad("not an Azure-provider wrapped key (format " + FORMAT + ")");
    }
    WrapAlgorithm algorithm =
        WrapAlgorithm.byId(wrapped[1]).orElseThrow(() -> bad("unknown wrap algorithm"));
    int len = wrapped[2] & 0xff;
    if (wrapped.length <= 3 + len) {
      throw bad("the wrapped key is truncated");
    }
    String ref = new String(wrapped, 3, len, StandardCharsets.US_ASCII);
    int slash = ref.indexOf('/');
    if (slash <= 0 || !ref.substring(slash + 1).matches("[0-9a-fA-F]{32}")) {
      throw bad("the wrapped key names no key version");
    }
    return new Parsed(
        algorithm,
        ref.substring(0, slash),
        ref.substring(slash + 1),
        Arrays.copyOfRange(wrapped, 3 + len, wrapped.length));
  }

  private static byte[] tag(byte[] key, String keyName, EncryptionContext context) {
    byte[] name = keyName.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(LABEL);
      mac.update(ByteBuffer.allocate(4).putInt(name.length).array());
      mac.update(name);
      return mac.doFinal(context.canonicalBytes());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable in this JVM", e);
    }
  }

  static BadCiphertextException bad(String message) {
    return new BadCiphertextException(
        FailureReason.INVALID_CIPHERTEXT, "InvalidCiphertext", message);
  }
}
