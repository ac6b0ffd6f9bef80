package dev.cmk.http;

import dev.cmk.http.model.ApiModel.ObjectView;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.Protection;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * Content of catalogued asset types. The body is the raw content; the owner (for meeting assets the
 * organizer), whose license decides the protection, comes in the {@code X-CMK-User} header.
 */
final class ContentRoutes {
  static final String USER_HEADER = "X-CMK-User";
  private final ContentService content;

  ContentRoutes(ContentService content) {
    this.content = content;
  }

  void register(RoutesConfig r) {
    r.post("/v1/accounts/{accountId}/content/{assetType}", this::create);
    r.put("/v1/accounts/{accountId}/content/{assetType}/{objectId}", this::put);
    r.get("/v1/accounts/{accountId}/content/{assetType}/{objectId}", this::get);
    r.get("/v1/accounts/{accountId}/objects/{objectId}", this::describe);
  }

  private void create(Context ctx) {
    Json.write(ctx, 201, view(store(ctx, Optional.empty())));
  }

  private void put(Context ctx) {
    Json.write(ctx, 201, view(store(ctx, Optional.of(ctx.pathParam("objectId")))));
  }

  /** The object and, for a fallback write, why it went under the backup key. */
  private ObjectView view(StoredObject o) {
    return ObjectView.of(
        o,
        o.protection() == Protection.FALLBACK
            ? content.fallbackCause(o.accountId(), o.objectId())
            : Optional.empty());
  }

  private StoredObject store(Context ctx, Optional<String> objectId) {
    String user = ctx.header(USER_HEADER);
    if (user == null) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "header " + USER_HEADER + " (the content's owner) is required");
    }
    return content.put(
        Callers.of(ctx),
        ctx.pathParam("accountId"),
        ctx.pathParam("assetType"),
        user,
        objectId,
        ctx.bodyAsBytes());
  }

  private void get(Context ctx) {
    var c =
        content.get(
            Callers.of(ctx),
            ctx.pathParam("accountId"),
            ctx.pathParam("assetType"),
            ctx.pathParam("objectId"));
    ctx.header("X-CMK-Protection", c.object().protection().name());
    ctx.header("X-CMK-Kek-Id", c.object().kekId());
    ctx.status(200).contentType("application/octet-stream").result(c.plaintext());
  }

  private void describe(Context ctx) {
    Json.write(
        ctx, 200, view(content.describe(ctx.pathParam("accountId"), ctx.pathParam("objectId"))));
  }
}
