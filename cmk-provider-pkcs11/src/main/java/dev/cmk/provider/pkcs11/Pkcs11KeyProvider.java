package dev.cmk.provider.pkcs11;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Root keys in a customer's HSM, used through the JDK's SunPKCS11 provider.
 *
 * <p>A key id is the {@code CKA_LABEL} of a non-extractable AES-256 secret key in the configured
 * token. Wrap is AES-256-GCM computed inside the token ({@code CKM_AES_GCM}); the wrapped form is
 * {@code version (1) || IV (12) || ciphertext (32) || tag (16)}, and the GCM associated data binds
 * the version, the key label and {@link EncryptionContext#canonicalBytes()}, so a wrapped key moved
 * to another key or context fails to unwrap. Data keys come from a {@link SecureRandom} and are
 * wrapped the same way.
 *
 * <p>PKCS#11 has no enabled/disabled state: a customer revokes access by deleting the key, changing
 * the PIN or taking the token away, which this provider reports as refused.
 *
 * <p><b>Security:</b> the root key never leaves the token (it is sensitive and non-extractable);
 * the PIN is read from a file or an environment variable at login and never logged; exceptions
 * carry PKCS#11 return codes and labels, never key bytes.
 */
public final class Pkcs11KeyProvider implements KeyProvider, KeyIdSyntax {
  public static final String KIND = "pkcs11";
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
  private static final byte VERSION = 1;
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int WRAPPED_BYTES = 1 + IV_BYTES + SecretKeyMaterial.AES_256_BYTES + 16;

  private final Pkcs11Token token;
  private final SecureRandom random;

  public Pkcs11KeyProvider(Pkcs11Config config, SecureRandom random) {
    this(config, random, new PinReader(System::getenv));
  }

  Pkcs11KeyProvider(Pkcs11Config config, SecureRandom random, PinReader pins) {
    this.token = new Pkcs11Token(config, pins);
    this.random = random;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public void checkKeyId(String keyId) {
    if (!LABEL.matcher(keyId).matches()) {
      throw new KeyIdFormatException(
          "'" + keyId + "' is not a PKCS#11 key label",
          "the CKA_LABEL of an AES-256 key in the token: 1-64 characters of A-Z a-z 0-9 _ . : -,"
              + " starting with a letter or digit");
    }
  }

  /**
   * Creates a sensitive, non-extractable AES-256 key in the token under {@code label}, for
   * operators and tests; refuses to replace an existing key.
   */
  public void createKey(String label) {
    checkKeyId(label);
    if (token.contains(label)) {
      throw new IllegalStateException("the token already holds a key labelled '" + label + "'");
    }
    try {
      KeyGenerator generator = KeyGenerator.getInstance("AES", token.provider());
      generator.init(256);
      token.store(label, generator.generateKey());
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw Pkcs11Errors.classify(e, "creating key '" + label + "'");
    }
  }

  @Override
  public KeyDescription describe(KeyRef key) {
    SecretKey k = rootKey(key);
    String spec = k.getEncoded() == null ? "AES" : "AES (extractable)";
    return new KeyDescription(key.keyId(), KeyState.ENABLED, true, Optional.empty(), false, spec);
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    SecretKeyMaterial fresh = SecretKeyMaterial.random(random);
    try {
      return new DataKey(fresh, wrap(key, fresh, context));
    } catch (RuntimeException e) {
      fresh.close();
      throw e;
    }
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    SecretKey root = rootKey(key);
    byte[] out = new byte[WRAPPED_BYTES];
    out[0] = VERSION;
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    System.arraycopy(iv, 0, out, 1, IV_BYTES);
    byte[] raw = plaintext.copyBytes();
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding", token.provider());
      gcm.init(Cipher.ENCRYPT_MODE, root, new GCMParameterSpec(TAG_BITS, iv));
      gcm.updateAAD(aad(key, context));
      gcm.doFinal(raw, 0, raw.length, out, 1 + IV_BYTES);
      return out;
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw Pkcs11Errors.classify(e, "wrap under " + key);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    if (wrapped.length != WRAPPED_BYTES || wrapped[0] != VERSION) {
      throw new BadCiphertextException(
          FailureReason.INVALID_CIPHERTEXT,
          "InvalidCiphertext",
          "not a PKCS#11-provider wrapped key (version "
              + VERSION
              + ", "
              + WRAPPED_BYTES
              + " bytes)");
    }
    SecretKey root = rootKey(key);
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding", token.provider());
      gcm.init(Cipher.DECRYPT_MODE, root, new GCMParameterSpec(TAG_BITS, wrapped, 1, IV_BYTES));
      gcm.updateAAD(aad(key, context));
      byte[] raw = gcm.doFinal(wrapped, 1 + IV_BYTES, wrapped.length - 1 - IV_BYTES);
      return SecretKeyMaterial.takeOwnership(raw);
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw Pkcs11Errors.classify(e, "unwrap under " + key);
    }
  }

  private SecretKey rootKey(KeyRef key) {
    checkKeyId(key.keyId());
    return token.key(key.keyId());
  }

  /** {@code version || len(label) || label || canonical context}. */
  static byte[] aad(KeyRef key, EncryptionContext context) {
    byte[] id = key.keyId().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] ctx = context.canonicalBytes();
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 + 4 + id.length + ctx.length);
    return b.put(VERSION).putInt(id.length).put(id).put(ctx).array();
  }
}
