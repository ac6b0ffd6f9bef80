package dev.cmk.service.account;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a bulk license file: one {@code userId,licensed} per line, an optional header line, blank
 * lines and {@code #} comments ignored. {@code licensed} is true/false, yes/no or 1/0.
 */
public final class LicenseCsv {
  private LicenseCsv() {}

  public static List<LicenseChange> parse(String text) {
    String[] lines = text.split("\\r?\\n", -1);
    boolean twoColumns = false;
    for (String l : lines) {
      String line = blanksOff(l);
      twoColumns |= !line.isEmpty() && !line.startsWith("#") && line.indexOf(',') >= 0;
    }
    if (!twoColumns) {
      // no userId,licensed line outside comments: this is no licence CSV (e.g. JSON sent as
      // text/csv). The OpenAPI document's pattern for this body states the same rule.
      throw new dev.cmk.service.CmkException(
          dev.cmk.service.ErrorCode.INVALID_REQUEST,
          "the body is not a userId,licensed CSV: no line has two columns");
    }
    List<LicenseChange> rows = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = blanksOff(lines[i]);
      if (line.isEmpty() || line.startsWith("#") || i == 0 && isHeader(line)) {
        continue;
      }
      int row = i + 1;
      String[] cells = line.split(",", -1);
      String user = unquote(cells[0]);
      if (cells.length != 2) {
        rows.add(LicenseChange.unreadable(row, user, "expected 2 columns: userId,licensed"));
        continue;
      }
      String v = unquote(cells[1]).toLowerCase(Locale.ROOT);
      switch (v) {
        case "true", "yes", "1" -> rows.add(LicenseChange.of(row, user, true));
        case "false", "no", "0" -> rows.add(LicenseChange.of(row, user, false));
        default ->
            rows.add(
                LicenseChange.unreadable(
                    row, user, "licensed must be true/false, yes/no or 1/0, not '" + v + "'"));
      }
    }
    return rows;
  }

  /** Spaces and tabs around a line: the only blanks a line may carry (as the spec's pattern). */
  private static String blanksOff(String line) {
    int a = 0;
    int b = line.length();
    while (a < b && (line.charAt(a) == ' ' || line.charAt(a) == '\t')) {
      a++;
    }
    while (b > a && (line.charAt(b - 1) == ' ' || line.charAt(b - 1) == '\t')) {
      b--;
    }
    return line.substring(a, b);
  }

  private static boolean isHeader(String line) {
    return line.toLowerCase(Locale.ROOT).replace("\"", "").startsWith("userid,");
  }

  private static String unquote(String s) {
    String t = s.strip();
    return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")
        ? t.substring(1, t.length() - 1)
        : t;
  }
}
