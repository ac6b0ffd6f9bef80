package dev.cmk.provider.pkcs11;

import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the slot that holds the token with a given label.
 *
 * <p>The JDK's SunPKCS11 configuration selects a token only by slot id or slot-list index, and many
 * HSMs (SoftHSM2 among them) number slots at run time, so a label is the stable name. The JDK has
 * no public API for {@code C_GetTokenInfo}; this class calls its PKCS#11 wrapper reflectively,
 * which needs the JVM option {@value #EXPORTS}. Without it the lookup fails with a message that
 * says so, and a fixed slot id can be configured instead.
 */
final class TokenLocator {
  static final String EXPORTS =
      "--add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED";
  private static final String WRAPPER = "sun.security.pkcs11.wrapper.";
  private static final long CKF_OS_LOCKING_OK = 0x2L;

  private TokenLocator() {}

  /** The slot id of the token labelled {@code label} in {@code library}. */
  static long slotOf(Path library, String label) {
    List<String> seen = new ArrayList<>();
    try {
      Object pkcs11 = wrapper(library);
      Method tokenInfo = pkcs11.getClass().getMethod("C_GetTokenInfo", long.class);
      long[] slots =
          (long[]) pkcs11.getClass().getMethod("C_GetSlotList", boolean.class).invoke(pkcs11, true);
      for (long slot : slots) {
        Object info = tokenInfo.invoke(pkcs11, slot);
        String found = new String((char[]) info.getClass().getField("label").get(info)).strip();
        if (found.equals(label)) {
          return slot;
        }
        if (!found.isEmpty()) {
          seen.add("'" + found + "'");
        }
      }
    } catch (IllegalAccessException e) {
      throw new KeyRefusedException(
          FailureReason.NOT_FOUND,
          "TokenLookupUnavailable",
          "finding a PKCS#11 token by label needs the JVM option "
              + EXPORTS
              + "; add it or configure pkcs11.slot instead");
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw Pkcs11Errors.classify(cause != null ? cause : e, "token lookup in " + library);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this JDK's PKCS#11 wrapper is not the expected one", e);
    }
    throw new KeyRefusedException(
        FailureReason.NOT_FOUND,
        "TokenNotFound",
        "no PKCS#11 token labelled '"
            + label
            + "' in "
            + library
            + (seen.isEmpty()
                ? "; the library shows no initialised token"
                : "; tokens seen: " + seen));
  }

  private static Object wrapper(Path library) throws ReflectiveOperationException {
    Class<?> pkcs11 = Class.forName(WRAPPER + "PKCS11");
    Class<?> initArgs = Class.forName(WRAPPER + "CK_C_INITIALIZE_ARGS");
    Object args = initArgs.getConstructor().newInstance();
    initArgs.getField("flags").setLong(args, CKF_OS_LOCKING_OK);
    Method getInstance =
        pkcs11.getMethod("getInstance", String.class, String.class, initArgs, boolean.class);
    return getInstance.invoke(null, library.toString(), "C_GetFunctionList", args, false);
  }
}
