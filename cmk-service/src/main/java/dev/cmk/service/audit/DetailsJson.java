package dev.cmk.service.audit;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The details column: a flat JSON object of string values, written and read here so the domain
 * needs no JSON library. {@link #write} escapes only quotes, backslashes and control characters
 * ({@code \\u00XX}); {@link #read} decodes every JSON string escape correctly and refuses anything
 * else, so a row written by another tool cannot be misread.
 */
final class DetailsJson {
  private DetailsJson() {}

  static String write(Map<String, String> details) {
    StringBuilder b = new StringBuilder("{");
    for (Map.Entry<String, String> e : new TreeMap<>(details).entrySet()) {
      if (b.length() > 1) {
        b.append(',');
      }
      string(b, e.getKey());
      b.append(':');
      string(b, e.getValue());
    }
    return b.append('}').toString();
  }

  private static void string(StringBuilder b, String s) {
    dev.cmk.service.Texts.appendJsonString(b, s);
  }

  static SortedMap<String, String> read(String json) {
    TreeMap<String, String> out = new TreeMap<>();
    int[] pos = {skip(json, 0)};
    expect(json, pos, '{');
    if (peek(json, pos) == '}') {
      return out;
    }
    while (true) {
      String k = readString(json, pos);
      expect(json, pos, ':');
      out.put(k, readString(json, pos));
      char c = next(json, pos);
      if (c == '}') {
        return out;
      }
      if (c != ',') {
        throw new IllegalArgumentException("malformed details JSON");
      }
    }
  }

  private static String readString(String s, int[] pos) {
    expect(s, pos, '"');
    StringBuilder b = new StringBuilder();
    for (int i = pos[0]; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        pos[0] = i + 1;
        return b.toString();
      }
      if (c == '\\') {
        if (i + 1 >= s.length()) {
          break;
        }
        char e = s.charAt(++i);
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            b.append(hex4(s, i + 1));
            i += 4;
          }
          default -> throw new IllegalArgumentException("malformed details JSON");
        }
      } else {
        b.append(c);
      }
    }
    throw new IllegalArgumentException("malformed details JSON");
  }

  private static char hex4(String s, int at) {
    if (at + 4 > s.length()) {
      throw new IllegalArgumentException("malformed details JSON");
    }
    try {
      return (char) Integer.parseInt(s.substring(at, at + 4), 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed details JSON", e);
    }
  }

  private static void expect(String s, int[] pos, char want) {
    if (next(s, pos) != want) {
      throw new IllegalArgumentException("malformed details JSON");
    }
  }

  private static char next(String s, int[] pos) {
    char c = peek(s, pos);
    pos[0] = skip(s, pos[0]) + 1;
    return c;
  }

  private static char peek(String s, int[] pos) {
    int i = skip(s, pos[0]);
    if (i >= s.length()) {
      throw new IllegalArgumentException("malformed details JSON");
    }
    return s.charAt(i);
  }

  private static int skip(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }
}
