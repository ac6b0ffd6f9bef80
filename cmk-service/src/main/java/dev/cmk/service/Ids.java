package dev.cmk.service;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Identifier rules shared by every feature: what a well-formed id is, and how new ones are made.
 */
public final class Ids {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}");

  private Ids() {}

  /** Checks an account, object or asset-type id. */
  public static String require(String what, String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new CmkException(
          ErrorCode.INVALID_ID,
          what + " '" + abbreviate(id) + "' is malformed: use 1-64 of A-Z a-z 0-9 . _ -");
    }
    return id;
  }

  /** Checks a user id (may be an e-mail address). */
  public static String requireUser(String id) {
    if (id == null || !USER_ID.matcher(id).matches()) {
      throw new CmkException(
          ErrorCode.INVALID_ID,
          "user id '" + abbreviate(id) + "' is malformed: use 1-128 of A-Z a-z 0-9 . _ @ + -");
    }
    return id;
  }

  /** A new random id with a readable prefix, e.g. {@code acct_3f9c…}. */
  public static String newId(String prefix, SecureRandom random) {
    byte[] b = new byte[12];
    random.nextBytes(b);
    return prefix + "_" + HexFormat.of().formatHex(b);
  }

  private static String abbreviate(@Nullable String s) {
    if (s == null) {
      return "";
    }
    return Texts.abbreviate(s.replaceAll("[^\\x20-\\x7e]", "?"), 80);
  }
}
