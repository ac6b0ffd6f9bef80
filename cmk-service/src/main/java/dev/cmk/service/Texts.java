package dev.cmk.service;

import org.jspecify.annotations.Nullable;

/** Small text helpers shared by the services and stores. */
public final class Texts {
  private Texts() {}

  /** The exception's message, or the name of its type when it has none. */
  public static String messageOf(Throwable e) {
    String m = e.getMessage();
    return m != null ? m : e.getClass().getName();
  }

  /**
   * {@code s} cut to {@code max} characters with an ellipsis when longer, so provider messages and
   * details fit their columns and log lines; null becomes empty.
   */
  public static String abbreviate(@Nullable String s, int max) {
    String t = s == null ? "" : s;
    return t.length() > max ? t.substring(0, max) + "…" : t;
  }

  /**
   * Appends {@code s} as a JSON string literal: quotes, backslashes and control characters escaped.
   */
  public static StringBuilder appendJsonString(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }
}
