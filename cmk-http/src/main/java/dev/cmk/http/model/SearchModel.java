package dev.cmk.http.model;

import dev.cmk.service.search.SearchIndexService;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Request and response bodies of the search-index routes (API model version 1). */
public final class SearchModel {
  private SearchModel() {}

  /** PUT of a document: the platform service it belongs to and its terms. */
  public record IndexDocument(String service, List<String> terms) {}

  /** What an index or remove call changed. */
  public record DocumentChange(
      String documentId, boolean existed, int terms, String protection, @Nullable String kekId) {
    public static DocumentChange of(String documentId, SearchIndexService.Change c) {
      return new DocumentChange(
          documentId,
          c.existed(),
          c.terms(),
          c.protection().name(),
          c.kekId().isEmpty() ? null : c.kekId());
    }
  }

  /** One document a query found. */
  public record Hit(String documentId, String service) {}

  /** The documents indexed under every term of the query. */
  public record SearchResult(List<Hit> documents, @Nullable String protection) {
    public static SearchResult of(SearchIndexService.Result r) {
      return new SearchResult(
          r.hits().stream().map(h -> new Hit(h.documentId(), h.service())).toList(),
          r.protection().map(Enum::name).orElse(null));
    }
  }
}
