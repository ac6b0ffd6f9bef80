package dev.cmk.provider.pkcs11;

import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.security.auth.login.FailedLoginException;

/**
 * Turns what SunPKCS11 throws into the SPI's failure families, by the PKCS#11 return code ({@code
 * CKR_*}) found in the exception chain. SunPKCS11 keeps its {@code PKCS11Exception} in a
 * non-exported package, so the code is read from the message, which is the code's name.
 *
 * <p><b>Security:</b> messages carry the return code and what was attempted, never key bytes or the
 * PIN.
 */
final class Pkcs11Errors {
  private static final Pattern CKR = Pattern.compile("CKR_[A-Z0-9_]+");
  private static final Set<String> WRONG_PIN =
      Set.of("CKR_PIN_INCORRECT", "CKR_PIN_INVALID", "CKR_PIN_LEN_RANGE");
  private static final Set<String> PIN_BLOCKED = Set.of("CKR_PIN_LOCKED", "CKR_PIN_EXPIRED");
  private static final Set<String> TOKEN_MISSING =
      Set.of("CKR_TOKEN_NOT_PRESENT", "CKR_SLOT_ID_INVALID", "CKR_TOKEN_NOT_RECOGNIZED");
  private static final Set<String> WRONG_KEY =
      Set.of(
          "CKR_KEY_FUNCTION_NOT_PERMITTED",
          "CKR_KEY_TYPE_INCONSISTENT",
          "CKR_KEY_SIZE_RANGE",
          "CKR_MECHANISM_INVALID",
          "CKR_KEY_HANDLE_INVALID");
  private static final Set<String> BAD_DATA =
      Set.of("CKR_ENCRYPTED_DATA_INVALID", "CKR_ENCRYPTED_DATA_LEN_RANGE");

  private Pkcs11Errors() {}

  /** Classifies a failure of {@code what} (e.g. "unwrap under pkcs11:kek-1"). */
  static ProviderException classify(Throwable t, String what) {
    if (t instanceof ProviderException p) {
      return p;
    }
    Optional<String> code = returnCode(t);
    String ckr = code.orElse("Pkcs11Error");
    if (has(t, FailedLoginException.class) || code.filter(WRONG_PIN::contains).isPresent()) {
      return new KeyRefusedException(
          FailureReason.ACCESS_DENIED, ckr, what + ": the token refused the PIN (wrong PIN)", t);
    }
    if (code.filter(PIN_BLOCKED::contains).isPresent()) {
      return refused(
          FailureReason.ACCESS_DENIED, ckr, what + ": the user PIN is locked or expired");
    }
    if (code.filter(TOKEN_MISSING::contains).isPresent()) {
      return refused(FailureReason.NOT_FOUND, ckr, what + ": the configured token is not present");
    }
    if (code.filter(WRONG_KEY::contains).isPresent()) {
      return refused(
          FailureReason.INVALID_KEY_USAGE,
          ckr,
          what + ": the key cannot do AES-GCM encrypt/decrypt (" + ckr + ")");
    }
    if (has(t, AEADBadTagException.class) || code.filter(BAD_DATA::contains).isPresent()) {
      return new BadCiphertextException(
          FailureReason.INVALID_CIPHERTEXT,
          ckr,
          what + ": wrapped key does not authenticate under this key and context");
    }
    if (libraryMissing(t)) {
      return refused(
          FailureReason.NOT_FOUND,
          "LibraryNotLoaded",
          what + ": the PKCS#11 library could not be loaded (" + rootMessage(t) + ")");
    }
    return new KeyUnavailableException(
        FailureReason.PROVIDER_ERROR, ckr, what + ": the HSM failed (" + ckr + ")", t);
  }

  /** Whether {@code e} says the token refused the PIN as wrong. */
  static boolean isWrongPin(ProviderException e) {
    return e.reason() == FailureReason.ACCESS_DENIED
        && (WRONG_PIN.contains(e.providerCode()) || has(e, FailedLoginException.class));
  }

  private static KeyRefusedException refused(FailureReason reason, String code, String message) {
    return new KeyRefusedException(reason, code, message);
  }

  static Optional<String> returnCode(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      Matcher m = CKR.matcher(String.valueOf(c.getMessage()));
      if (m.find()) {
        return Optional.of(m.group());
      }
    }
    return Optional.empty();
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static boolean libraryMissing(Throwable t) {
    String m = rootMessage(t);
    return m.contains("cannot open shared object")
        || m.contains("No such file")
        || m.contains("does not exist");
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return String.valueOf(c.getMessage());
  }
}
