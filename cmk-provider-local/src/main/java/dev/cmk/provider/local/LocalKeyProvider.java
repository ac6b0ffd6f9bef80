package dev.cmk.provider.local;

import dev.cmk.crypto.AesGcm;
import dev.cmk.crypto.DecryptionFailedException;
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
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Software root keys in a PKCS#12 keystore file, for development, demos and tests.
 *
 * <p><b>Security:</b> never for production: the root keys sit on the same disk as the data they
 * protect, so disabling them proves nothing to a customer. The constructor logs a warning that says
 * so. Key ids are aliases ({@code [A-Za-z0-9_-]{1,64}}); enabled/disabled state is kept in the
 * keystore as a marker entry so that demos and tests can switch a key off; {@link #setReachable}
 * simulates an outage instead.
 */
public final class LocalKeyProvider implements KeyProvider, KeyIdSyntax {
  public static final String KIND = "local";
  private static final Logger LOG = LoggerFactory.getLogger(LocalKeyProvider.class);
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final String DISABLED_SUFFIX = ".disabled";
  private static final byte FORMAT = 1;

  private final Path file;
  private final char[] password;
  private final SecureRandom random;
  private final KeyStore store;
  private final Set<String> unreachable = ConcurrentHashMap.newKeySet();

  /**
   * Root keys read from the keystore, by alias: reading a PKCS#12 entry derives its protection key
   * with PBKDF2 each time (milliseconds of CPU), which every wrap, unwrap and probe would pay. A
   * key's bytes never change once created; its enabled state is checked on every use.
   */
  private final Map<String, byte[]> opened = new ConcurrentHashMap<>();

  public LocalKeyProvider(Path file, char[] password, SecureRandom random) {
    this.file = file;
    this.password = password.clone();
    this.random = random;
    this.store = load();
    LOG.warn(
        "The 'local' key provider keeps root keys in {} on this machine. It is for development"
            + " and demos only: never protect production data with it.",
        file);
  }

  /** Creates an AES-256 key under {@code alias} if there is none. */
  public synchronized void createKey(String alias) {
    checkKeyId(alias);
    try {
      if (!store.containsAlias(alias.toLowerCase(java.util.Locale.ROOT))) {
        byte[] raw = new byte[SecretKeyMaterial.AES_256_BYTES];
        random.nextBytes(raw);
        store.setEntry(
            alias.toLowerCase(java.util.Locale.ROOT),
            new KeyStore.SecretKeyEntry(new SecretKeySpec(raw, "AES")),
            new KeyStore.PasswordProtection(password));
        Arrays.fill(raw, (byte) 0);
        save();
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create local key " + alias, e);
    }
  }

  /** Enables or disables a key, the way a customer would in their KMS console. */
  public synchronized void setEnabled(String alias, boolean enabled) {
    try {
      String marker = alias.toLowerCase(java.util.Locale.ROOT) + DISABLED_SUFFIX;
      if (enabled) {
        if (store.containsAlias(marker)) {
          store.deleteEntry(marker);
        }
      } else {
        // A marker entry (16 zero bytes, never used as a key) records the disabled state.
        store.setEntry(
            marker,
            new KeyStore.SecretKeyEntry(new SecretKeySpec(new byte[16], "AES")),
            new KeyStore.PasswordProtection(password));
      }
      save();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot change state of local key " + alias, e);
    }
  }

  /**
   * Simulates an outage of a key, the way a cloud KMS that cannot be reached looks to the service:
   * while {@code reachable} is false every use of the key fails as unavailable ({@code NETWORK}),
   * so retries and the account's fallback apply. Unlike {@link #setEnabled} this is not the
   * customer's decision and is not kept in the keystore: it lasts until switched back or the
   * process ends.
   */
  public void setReachable(String alias, boolean reachable) {
    String a = alias.toLowerCase(java.util.Locale.ROOT);
    if (reachable) {
      unreachable.remove(a);
    } else {
      unreachable.add(a);
    }
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public void checkKeyId(String keyId) {
    if (!ALIAS.matcher(keyId).matches()) {
      throw new KeyIdFormatException(
          "'" + keyId + "' is not a local key alias", "1-64 characters of A-Z a-z 0-9 _ -");
    }
  }

  @Override
  public synchronized KeyDescription describe(KeyRef key) {
    String alias = alias(key);
    if (unreachable.contains(alias)) {
      throw new KeyUnavailableException(
          FailureReason.NETWORK,
          "SimulatedOutage",
          "local key " + key.keyId() + " cannot be reached (simulated outage)");
    }
    try {
      if (!store.containsAlias(alias)) {
        throw notFound(key);
      }
      KeyState state =
          store.containsAlias(alias + DISABLED_SUFFIX) ? KeyState.DISABLED : KeyState.ENABLED;
      return new KeyDescription(alias, state, true, Optional.empty(), false, "AES_256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("local keystore unreadable", e);
    }
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    SecretKeyMaterial fresh = SecretKeyMaterial.random(random);
    return new DataKey(fresh, wrap(key, fresh, context));
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    try (SecretKeyMaterial root = usableKey(key)) {
      byte[] raw = plaintext.copyBytes();
      try {
        byte[] sealed = AesGcm.seal(root, raw, aad(key, context), random);
        byte[] out = new byte[sealed.length + 1];
        out[0] = FORMAT;
        System.arraycopy(sealed, 0, out, 1, sealed.length);
        return out;
      } finally {
        Arrays.fill(raw, (byte) 0);
      }
    }
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    if (wrapped.length < 1 || wrapped[0] != FORMAT) {
      throw new BadCiphertextException(
          FailureReason.INVALID_CIPHERTEXT,
          "InvalidCiphertext",
          "not a local-provider wrapped key");
    }
    try (SecretKeyMaterial root = usableKey(key)) {
      byte[] raw =
          AesGcm.open(root, Arrays.copyOfRange(wrapped, 1, wrapped.length), aad(key, context));
      return SecretKeyMaterial.takeOwnership(raw);
    } catch (DecryptionFailedException | IllegalArgumentException e) {
      throw new BadCiphertextException(
          FailureReason.INVALID_CIPHERTEXT,
          "InvalidCiphertext",
          "wrapped key does not authenticate under " + key + " with this context");
    }
  }

  private synchronized SecretKeyMaterial usableKey(KeyRef key) {
    KeyDescription d = describe(key);
    if (d.state() != KeyState.ENABLED) {
      throw new KeyRefusedException(
          FailureReason.DISABLED, "Disabled", "local key " + key.keyId() + " is disabled");
    }
    byte[] raw = opened.computeIfAbsent(alias(key), this::readEntry);
    return SecretKeyMaterial.takeOwnership(raw.clone());
  }

  private byte[] readEntry(String alias) {
    try {
      KeyStore.SecretKeyEntry e =
          (KeyStore.SecretKeyEntry)
              store.getEntry(alias, new KeyStore.PasswordProtection(password));
      return e.getSecretKey().getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("local keystore unreadable", e);
    }
  }

  private static byte[] aad(KeyRef key, EncryptionContext context) {
    byte[] id = key.keyId().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8);
    byte[] ctx = context.canonicalBytes();
    byte[] out = new byte[id.length + 1 + ctx.length];
    System.arraycopy(id, 0, out, 0, id.length);
    System.arraycopy(ctx, 0, out, id.length + 1, ctx.length);
    return out;
  }

  private String alias(KeyRef key) {
    checkKeyId(key.keyId());
    return key.keyId().toLowerCase(java.util.Locale.ROOT);
  }

  private static KeyRefusedException notFound(KeyRef key) {
    return new KeyRefusedException(
        FailureReason.NOT_FOUND, "NotFound", "local key " + key.keyId() + " does not exist");
  }

  private KeyStore load() {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      if (Files.exists(file)) {
        try (InputStream in = Files.newInputStream(file)) {
          ks.load(in, password);
        }
      } else {
        ks.load(null, password);
      }
      return ks;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read local keystore " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot open local keystore " + file, e);
    }
  }

  private void save() {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = Files.createTempFile(parent, "keystore", ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        store.store(out, password);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write local keystore " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot write local keystore " + file, e);
    }
  }
}
