package dev.cmk.http;

/**
 * Input echoed back in an error message is cut short: a 9,000-character id in a path must not come
 * back whole (it bloats answers and logs and can smuggle text into a client's display).
 */
final class Echo {
  static final int MAX = 64;

  private Echo() {}

  static String cut(String s) {
    if (s == null) {
      return "";
    }
    return s.length() <= MAX ? s : s.substring(0, MAX) + "…";
  }
}
