package dev.cmk.service.search;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a term and a document id are. Terms are normalized (Unicode NFKC, lower case, trimmed) so
 * that the same word always hashes the same; bounds keep one request's work and one posting list's
 * size predictable.
 *
 * <p><b>Security:</b> error messages name the position of a bad term, never the term or the
 * document id itself.
 */
public final class SearchTerms {
  private static final Pattern DOC_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}");
  private static final Pattern SERVICE = Pattern.compile("[a-z][a-z0-9-]{0,63}");

  private SearchTerms() {}

  /** The normalized, distinct terms of a request, or a 400 {@code invalid_request}. */
  public static SortedSet<String> normalize(List<String> terms, int maxTerms, int maxLength) {
    if (terms == null || terms.isEmpty()) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "at least one term is required");
    }
    if (terms.size() > maxTerms) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          terms.size() + " terms; at most " + maxTerms + " are allowed per request",
          Map.of("maxTerms", maxTerms));
    }
    SortedSet<String> out = new TreeSet<>();
    for (int i = 0; i < terms.size(); i++) {
      out.add(normalize(terms.get(i), i, maxLength));
    }
    return out;
  }

  static String normalize(String term, int position, int maxLength) {
    if (term == null) {
      throw bad(position, "is null");
    }
    // Length and control characters are checked on the term as sent, as the OpenAPI schema states
    // them (maxLength, a pattern without C0/C1 controls): a control at either end is refused, not
    // stripped, and NFKC expanding a ligature does not make a valid term too long.
    if (term.codePoints().anyMatch(Character::isISOControl)) {
      throw bad(position, "contains a control character");
    }
    if (term.codePointCount(0, term.length()) > maxLength) {
      throw bad(position, "is longer than " + maxLength + " characters");
    }
    String t = Normalizer.normalize(term, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    t = Normalizer.normalize(t, Normalizer.Form.NFKC).strip();
    if (t.isEmpty()) {
      throw bad(position, "is empty after normalization");
    }
    return t;
  }

  private static CmkException bad(int position, String why) {
    return new CmkException(
        ErrorCode.INVALID_REQUEST,
        "term " + (position + 1) + " " + why,
        Map.of("termIndex", position));
  }

  /** Checks a document id; the message does not repeat it. */
  public static String requireDocumentId(String id) {
    if (id == null || !DOC_ID.matcher(id).matches()) {
      throw new CmkException(
          ErrorCode.INVALID_ID,
          "document id is malformed: use 1-128 of A-Z a-z 0-9 . _ : @ + - (starting with a letter"
              + " or digit)");
    }
    return id;
  }

  /** Checks the syntax of a service name (whether the catalog knows it is checked elsewhere). */
  static String requireService(String service) {
    if (service == null || !SERVICE.matcher(service).matches()) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "service is required: a service of the catalog, e.g. chat");
    }
    return service;
  }
}
