package dev.cmk.service.blob;

import java.util.regex.Pattern;

/** The one key syntax every blob store accepts, so that content moves between stores unchanged. */
public final class BlobKeys {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

  private BlobKeys() {}

  /**
   * Returns {@code key} when it is segments of {@code A-Z a-z 0-9 . _ -} joined by single slashes,
   * with no {@code .} or {@code ..} segment.
   *
   * @throws IllegalArgumentException otherwise
   */
  public static String require(String key) {
    if (key == null || !KEY.matcher(key).matches() || hasDotSegment(key)) {
      throw new IllegalArgumentException("bad blob key " + key);
    }
    return key;
  }

  private static boolean hasDotSegment(String key) {
    for (String segment : key.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return true;
      }
    }
    return false;
  }
}
