package dev.cmk.provider.pkcs11;

import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.pkcs11.Pkcs11Config.TokenSelector;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * One logged-in SunPKCS11 provider for the configured token, opened on first use and kept. A failed
 * open (token missing, wrong PIN) is not kept, so the next call tries again.
 *
 * <p><b>Security:</b> the PIN is read from its source for each login and wiped after it.
 */
final class Pkcs11Token {
  private final Pkcs11Config config;
  private final PinReader pins;
  private Provider provider;
  private KeyStore store;

  Pkcs11Token(Pkcs11Config config, PinReader pins) {
    this.config = config;
    this.pins = pins;
  }

  /** The logged-in provider, for {@code Cipher.getInstance(..., provider)}. */
  synchronized Provider provider() {
    open();
    return provider;
  }

  /** The secret key labelled {@code label} in the token. */
  synchronized SecretKey key(String label) {
    open();
    Key key;
    try {
      key = store.getKey(label, null);
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw Pkcs11Errors.classify(e, "looking up key '" + label + "'");
    }
    if (key == null) {
      throw new KeyRefusedException(
          FailureReason.NOT_FOUND,
          "KeyNotFound",
          "no secret key labelled '" + label + "' in token " + tokenName());
    }
    if (!(key instanceof SecretKey secret) || !"AES".equals(key.getAlgorithm())) {
      throw new KeyRefusedException(
          FailureReason.INVALID_KEY_USAGE,
          "NotAnAesKey",
          "the object labelled '" + label + "' is a " + key.getAlgorithm() + " key, not AES");
    }
    return secret;
  }

  /** Stores {@code key} (made by this token's provider) in the token under {@code label}. */
  synchronized void store(String label, SecretKey key) {
    open();
    try {
      store.setKeyEntry(label, key, null, null);
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw Pkcs11Errors.classify(e, "storing key '" + label + "'");
    }
  }

  synchronized boolean contains(String label) {
    open();
    try {
      return store.containsAlias(label);
    } catch (GeneralSecurityException e) {
      throw Pkcs11Errors.classify(e, "listing keys");
    }
  }

  String tokenName() {
    TokenSelector t = config.token();
    return t instanceof TokenSelector.ByLabel l
        ? "'" + l.label() + "'"
        : "in slot " + ((TokenSelector.BySlotId) t).slotId();
  }

  private void open() {
    if (store != null) {
      return;
    }
    long slot = slot();
    Provider p;
    try {
      p = Security.getProvider("SunPKCS11").configure(sunPkcs11Config(slot));
    } catch (RuntimeException e) {
      throw Pkcs11Errors.classify(e, "opening token " + tokenName());
    }
    char[] pin = pins.read(config.pin());
    try {
      KeyStore ks = KeyStore.getInstance("PKCS11", p);
      ks.load(null, pin);
      provider = p;
      store = ks;
    } catch (IOException | GeneralSecurityException | java.security.ProviderException e) {
      throw Pkcs11Errors.classify(e, "logging in to token " + tokenName());
    } finally {
      Arrays.fill(pin, '\0');
    }
  }

  private long slot() {
    TokenSelector t = config.token();
    return t instanceof TokenSelector.ByLabel l
        ? TokenLocator.slotOf(config.library(), l.label())
        : ((TokenSelector.BySlotId) t).slotId();
  }

  /**
   * The SunPKCS11 configuration. Keys this provider generates ({@link Pkcs11KeyProvider#createKey})
   * start as sensitive, non-extractable session objects and are then copied into the token under
   * their label.
   */
  private String sunPkcs11Config(long slot) {
    return String.join(
        "\n",
        "--name = cmk-pkcs11",
        "library = \"" + config.library() + "\"",
        "slot = " + slot,
        "attributes(generate, CKO_SECRET_KEY, CKK_AES) = {",
        "  CKA_TOKEN = false",
        "  CKA_SENSITIVE = true",
        "  CKA_EXTRACTABLE = false",
        "  CKA_ENCRYPT = true",
        "  CKA_DECRYPT = true",
        "}",
        "");
  }
}
