package dev.cmk.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.service.audit.AuditJsonl;
import dev.cmk.service.audit.AuditRecord;
import java.time.Instant;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Archive segments are written by {@link AuditJsonl} without a JSON library; they must be byte for
 * byte what the API's mapper would write for the same rows (and round-trip through it), so that
 * segments written before and after any change of the export concatenate into one file.
 */
class AuditJsonlTest {
  static AuditRecord record(Instant at, String text, TreeMap<String, String> details) {
    return new AuditRecord(
        1,
        "acct_" + text.length(),
        42,
        at,
        "service",
        "tok_" + text,
        "content.write",
        "aws",
        "arn:aws:kms:us-east-1:111122223333:key/" + text,
        "kek_1",
        "CMK",
        "chat",
        text,
        text + "@example.com",
        "req-" + text,
        "ok",
        details,
        "0".repeat(64),
        "f".repeat(64));
  }

  @Test
  void trickyCharactersAndTimesAreWrittenAsTheApiMapperWritesThem() throws Exception {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x80; c++) {
      all.append(c);
    }
    all.append("é€\u2028\u2029\uD83D\uDD11\u00A0/\u007F");
    TreeMap<String, String> details = new TreeMap<>();
    details.put("a", all.toString());
    details.put("b.c_d", "");
    for (Instant at :
        new Instant[] {
          Instant.parse("2026-11-29T10:00:00Z"),
          Instant.parse("2026-11-29T10:00:00.100Z"),
          Instant.parse("2026-11-29T10:00:00.123Z"),
          Instant.parse("1999-01-01T00:00:00.001Z")
        }) {
      for (TreeMap<String, String> d : java.util.List.of(new TreeMap<String, String>(), details)) {
        AuditRecord r = record(at, all.toString(), d);
        assertThat(AuditJsonl.line(r)).isEqualTo(Json.MAPPER.writeValueAsString(r));
        assertThat(Json.MAPPER.readValue(AuditJsonl.line(r), AuditRecord.class)).isEqualTo(r);
      }
    }
  }

  @Test
  void randomRowsToo() throws Exception {
    Random random = new Random(7);
    for (int i = 0; i < 500; i++) {
      StringBuilder s = new StringBuilder();
      for (int k = random.nextInt(20); k > 0; k--) {
        s.append((char) (random.nextBoolean() ? random.nextInt(0x80) : random.nextInt(0xD000)));
      }
      TreeMap<String, String> d = new TreeMap<>();
      d.put("k" + i, s.toString());
      AuditRecord r =
          record(Instant.ofEpochMilli(random.nextLong(0, 4_000_000_000_000L)), s.toString(), d);
      assertThat(AuditJsonl.line(r)).isEqualTo(Json.MAPPER.writeValueAsString(r));
    }
  }
}
