package dev.cmk.http;

import dev.cmk.http.model.SearchModel.DocumentChange;
import dev.cmk.http.model.SearchModel.IndexDocument;
import dev.cmk.http.model.SearchModel.SearchResult;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.search.SearchIndexService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;

/**
 * The encrypted search index (DESIGN.md flow 8), called by the search service: documents are
 * indexed under terms and found by exact (normalized) term; {@code term} may be repeated to ask for
 * documents having every one.
 */
final class SearchRoutes {
  private final SearchIndexService search;

  SearchRoutes(SearchIndexService search) {
    this.search = search;
  }

  void register(RoutesConfig r) {
    r.put("/v1/accounts/{accountId}/search/documents/{documentId}", this::index);
    r.delete("/v1/accounts/{accountId}/search/documents/{documentId}", this::remove);
    r.get("/v1/accounts/{accountId}/search", this::query);
  }

  private void index(Context ctx) {
    IndexDocument req = Json.body(ctx, IndexDocument.class);
    if (req.terms() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "terms (a list of strings) is required");
    }
    String doc = ctx.pathParam("documentId");
    Json.write(
        ctx,
        200,
        DocumentChange.of(
            doc,
            search.index(
                Callers.of(ctx), ctx.pathParam("accountId"), doc, req.service(), req.terms())));
  }

  private void remove(Context ctx) {
    String doc = ctx.pathParam("documentId");
    Json.write(
        ctx,
        200,
        DocumentChange.of(doc, search.remove(Callers.of(ctx), ctx.pathParam("accountId"), doc)));
  }

  private void query(Context ctx) {
    List<String> terms = ctx.queryParams("term");
    Json.write(
        ctx,
        200,
        SearchResult.of(search.query(Callers.of(ctx), ctx.pathParam("accountId"), terms)));
  }
}
