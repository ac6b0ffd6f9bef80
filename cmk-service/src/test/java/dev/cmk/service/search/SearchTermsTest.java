package dev.cmk.service.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A term is valid exactly when the OpenAPI schema says so (found by schemathesis): at most 128
 * characters as sent, no C0/C1 control character anywhere, not only white space.
 */
class SearchTermsTest {
  static final int MAX = 128;

  static void refused(String term, String why) {
    assertThatThrownBy(() -> SearchTerms.normalize(List.of(term), 16, MAX))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST))
        .hasMessageContaining(why);
  }

  @Test
  void normalizesCaseWidthAndSurroundingSpaces() {
    assertThat(SearchTerms.normalize(List.of("  Ｆｏｏ ", "foo", "BAR"), 16, MAX))
        .containsExactly("bar", "foo");
  }

  @Test
  void aC1ControlCharacterIsRefused() {
    refused("\u0097", "control character");
    refused("a\u0085b", "control character");
  }

  @Test
  void aControlAtEitherEndIsRefusedNotStripped() {
    refused("\tfoo", "control character");
    refused("foo\n", "control character");
    refused("foo\u001f", "control character");
  }

  @Test
  void lengthCountsTheTermAsSentNotItsNfkcExpansion() {
    // U+3371 (SQUARE HPA) is one character that NFKC turns into three
    String squares = "\u3371".repeat(MAX);
    assertThat(SearchTerms.normalize(List.of(squares), 16, MAX).first())
        .isEqualTo("hpa".repeat(MAX));
    refused("x".repeat(MAX + 1), "longer than");
    // counted in code points, as JSON Schema's maxLength counts
    assertThat(SearchTerms.normalize(List.of("\uD83D\uDE00".repeat(MAX)), 16, MAX)).hasSize(1);
  }

  @Test
  void onlyWhiteSpaceIsRefused() {
    refused("   ", "empty after normalization");
    refused("\u00a0\u2007", "empty after normalization");
  }
}
