package dev.cmk.service.audit;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The JSON-lines form of audit rows: one JSON object per line, fields in record order, exactly the
 * bytes the export ({@code GET …/audit?format=jsonl}) sends, so an archive segment and an export
 * can be concatenated and verified as one file. Written here so the domain needs no JSON library; a
 * test in cmk-http keeps it byte-equal to the API's Jackson mapper.
 */
public final class AuditJsonl {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private AuditJsonl() {}

  /** One row as one JSON object, without the line break. */
  public static String line(AuditRecord r) {
    StringBuilder b = new StringBuilder(512);
    b.append("{\"v\":").append(r.v());
    str(b, "accountId", r.accountId());
    b.append(",\"seq\":").append(r.seq());
    str(b, "at", r.at().toString());
    str(b, "actorKind", r.actorKind());
    str(b, "actorId", r.actorId());
    str(b, "action", r.action());
    str(b, "keyProvider", r.keyProvider());
    str(b, "keyId", r.keyId());
    str(b, "kekId", r.kekId());
    str(b, "protection", r.protection());
    str(b, "asset", r.asset());
    str(b, "objectId", r.objectId());
    str(b, "user", r.user());
    str(b, "requestId", r.requestId());
    str(b, "result", r.result());
    b.append(",\"details\":{");
    boolean first = true;
    for (Map.Entry<String, String> d : r.details().entrySet()) {
      if (!first) {
        b.append(',');
      }
      first = false;
      quote(b, d.getKey());
      b.append(':');
      quote(b, d.getValue());
    }
    b.append('}');
    str(b, "prevHash", r.prevHash());
    str(b, "hash", r.hash());
    return b.append('}').toString();
  }

  /** Rows as UTF-8 JSON lines, each ended by {@code \n}: the content of an archive segment. */
  public static byte[] lines(List<AuditRecord> rows) {
    StringBuilder b = new StringBuilder(rows.size() * 600);
    for (AuditRecord r : rows) {
      b.append(line(r)).append('\n');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void str(StringBuilder b, String name, String value) {
    b.append(",\"").append(name).append("\":");
    quote(b, value);
  }

  /** A JSON string as Jackson writes it: short escapes where JSON has them, else uXXXX. */
  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\b' -> b.append("\\b");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\f' -> b.append("\\f");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20) {
            b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
