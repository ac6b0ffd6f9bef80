package dev.cmk.app;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cmk.http.Json;
import dev.cmk.service.audit.AuditRecord;
import java.io.IOException;
import java.io.Reader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.NullMarked;

/**
 * Reads the CSV form of an audit export (RFC 4180, a header row naming the columns, details as a
 * JSON object in one field) back into records, so CSV exports verify like JSON lines.
 */
@NullMarked
final class AuditCsv {
  private final Reader in;
  private final Map<String, Integer> columns = new HashMap<>();

  AuditCsv(Reader in) throws IOException {
    this.in = in;
    List<String> header = next().orElseThrow(() -> new IOException("the CSV file is empty"));
    for (int i = 0; i < header.size(); i++) {
      columns.put(header.get(i), i);
    }
  }

  /** The next record, or empty at the end of the file. */
  Optional<AuditRecord> read() throws IOException {
    Optional<List<String>> row = next();
    if (row.isEmpty()) {
      return Optional.empty();
    }
    List<String> f = row.get();
    TreeMap<String, String> details =
        Json.MAPPER.readValue(get(f, "details"), new TypeReference<TreeMap<String, String>>() {});
    try {
      return Optional.of(
          new AuditRecord(
              Integer.parseInt(get(f, "v")),
              get(f, "accountId"),
              Long.parseLong(get(f, "seq")),
              Instant.parse(get(f, "at")),
              get(f, "actorKind"),
              get(f, "actorId"),
              get(f, "action"),
              get(f, "keyProvider"),
              get(f, "keyId"),
              get(f, "kekId"),
              get(f, "protection"),
              get(f, "asset"),
              get(f, "objectId"),
              get(f, "user"),
              get(f, "requestId"),
              get(f, "result"),
              details,
              get(f, "prevHash"),
              get(f, "hash")));
    } catch (RuntimeException e) {
      throw new IOException("a CSV row is not an audit record: " + e.getMessage(), e);
    }
  }

  private String get(List<String> row, String column) throws IOException {
    Integer i = columns.get(column);
    if (i == null || i >= row.size()) {
      throw new IOException("the CSV has no column '" + column + "'");
    }
    return row.get(i);
  }

  /** One RFC 4180 record: quoted fields may hold commas, doubled quotes and line breaks. */
  private Optional<List<String>> next() throws IOException {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    int c;
    while ((c = in.read()) != -1) {
      any = true;
      if (quoted) {
        if (c == '"') {
          in.mark(1);
          int d = in.read();
          if (d == '"') {
            field.append('"');
          } else {
            quoted = false;
            if (d != -1) {
              in.reset();
            }
          }
        } else {
          field.append((char) c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else if (c == '\n') {
        break;
      } else if (c != '\r') {
        field.append((char) c);
      }
    }
    if (!any) {
      return Optional.empty();
    }
    fields.add(field.toString());
    return Optional.of(fields);
  }
}
