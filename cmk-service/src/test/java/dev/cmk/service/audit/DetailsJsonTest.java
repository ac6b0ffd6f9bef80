package dev.cmk.service.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The details column round-trips any string and reads standard JSON escapes as JSON means them. */
class DetailsJsonTest {
  @Test
  void roundTripsQuotesBackslashesControlCharactersAndUnicode() {
    Map<String, String> in = new TreeMap<>();
    in.put("a", "say \"hi\" \\ there");
    in.put("b", "line1\nline2\ttab\r\u0000\u001f");
    in.put("c", "Grüße ✓ 🔑");
    in.put("d", "");
    assertThat(DetailsJson.read(DetailsJson.write(in))).isEqualTo(in);
  }

  @Test
  void readsShortEscapesAsJsonDefinesThem() {
    assertThat(DetailsJson.read("{\"k\":\"a\\nb\\tc\\rd\\be\\ff\\/g\\\"h\\\\i\\u0041\"}"))
        .containsEntry("k", "a\nb\tc\rd\be\ff/g\"h\\iA");
  }

  @Test
  void refusesUnknownOrTruncatedEscapes() {
    for (String bad :
        new String[] {
          "{\"k\":\"a\\qb\"}", "{\"k\":\"\\u12\"}", "{\"k\":\"\\uzzzz\"}", "{\"k\":\"\\"
        }) {
      assertThatThrownBy(() -> DetailsJson.read(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("malformed details JSON");
    }
  }
}
