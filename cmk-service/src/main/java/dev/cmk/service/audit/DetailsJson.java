package dev.cmk.service.audit;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The details column: a flat JSON object of string values, written and read here so the domain
 * needs no JSON library. Only what {@link #write} produces has to be read back.
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
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
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
        char e = s.charAt(++i);
        if (e == 'u') {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
          i += 4;
        } else {
          b.append(e);
        }
      } else {
        b.append(c);
      }
    }
    throw new IllegalArgumentException("malformed details JSON");
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
