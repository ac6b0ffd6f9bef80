package dev.cmk.service;

/** Small text helpers shared by the services and stores. */
public final class Texts {
  private Texts() {}

  /**
   * {@code s} cut to {@code max} characters with an ellipsis when longer, so provider messages and
   * details fit their columns and log lines; null becomes empty.
   */
  public static String abbreviate(String s, int max) {
    String t = s == null ? "" : s;
    return t.length() > max ? t.substring(0, max) + "…" : t;
  }
}
