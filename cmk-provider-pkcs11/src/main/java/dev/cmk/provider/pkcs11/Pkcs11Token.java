package dev.cmk.provider.pkcs11;

import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.ProviderException;
import dev.cmk.provider.pkcs11.Pkcs11Config.TokenSelector;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * One logged-in SunPKCS11 provider for the configured token, opened on first use and kept. A failed
 * open (token missing, wrong PIN) is not kept, so the next call tries again.
 *
 * <p>A PIN the token has refused is never tried again: HSMs lock the user after a few wrong PINs,
 * and a service retrying on every request would lock the customer out of their own HSM. Only a
 * changed PIN (file or variable) is tried. The same process shares one login per token (PKCS#11
 * login state is per application), so use one provider per token.
 *
 * <p><b>Security:</b> the PIN is read from its source for each login and wiped after it; of a
 * refused PIN only a salted HMAC is kept, to recognise it.
 */
final class Pkcs11Token {
  private final Pkcs11Config config;
  private final PinReader pins;
  private final byte[] pinSalt = new byte[32];
  private @Nullable Session session;
  private byte @Nullable [] refusedPin;

  /** The logged-in provider and its key store: both exist once {@link #open} succeeded. */
  private record Session(Provider provider, KeyStore store) {}

  Pkcs11Token(Pkcs11Config config, PinReader pins) {
    this.config = config;
    this.pins = pins;
    new SecureRandom().nextBytes(pinSalt);
  }

  /** The logged-in provider, for {@code Cipher.getInstance(..., provider)}. */
  synchronized Provider provider() {
    return open().provider();
  }

  /** The secret key labelled {@code label} in the token. */
  synchronized SecretKey key(String label) {
    KeyStore store = open().store();
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
    KeyStore store = open().store();
    try {
      store.setKeyEntry(label, key, null, null);
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw Pkcs11Errors.classify(e, "storing key '" + label + "'");
    }
  }

  synchronized boolean contains(String label) {
    KeyStore store = open().store();
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

  private Session open() {
    Session opened = session;
    if (opened != null) {
      return opened;
    }
    long slot = slot();
    Provider p;
    try {
      p = Security.getProvider("SunPKCS11").configure(sunPkcs11Config(slot));
    } catch (RuntimeException e) {
      throw Pkcs11Errors.classify(e, "opening token " + tokenName());
    }
    char[] pin = pins.read(config.pin());
    byte[] fingerprint = fingerprint(pin);
    try {
      if (refusedPin != null && MessageDigest.isEqual(refusedPin, fingerprint)) {
        throw new KeyRefusedException(
            FailureReason.ACCESS_DENIED,
            "CKR_PIN_INCORRECT",
            "logging in to token "
                + tokenName()
                + ": the token refused this PIN before; it is not tried again so that the HSM"
                + " does not lock the user. Correct the PIN source.");
      }
      KeyStore ks = KeyStore.getInstance("PKCS11", p);
      ks.load(null, pin);
      opened = new Session(p, ks);
      session = opened;
      refusedPin = null;
      return opened;
    } catch (IOException | GeneralSecurityException | java.security.ProviderException e) {
      ProviderException failure = Pkcs11Errors.classify(e, "logging in to token " + tokenName());
      if (Pkcs11Errors.isWrongPin(failure)) {
        refusedPin = fingerprint;
      }
      throw failure;
    } finally {
      Arrays.fill(pin, '\0');
    }
  }

  private byte[] fingerprint(char[] pin) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(pinSalt, "HmacSHA256"));
      for (char c : pin) {
        mac.update((byte) (c >>> 8));
        mac.update((byte) c);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable in this JVM", e);
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
